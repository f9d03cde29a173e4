import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Warehouse } from './warehouse-schema.ts';

const digestSchema = z
  .string()
  .regex(/^sha256:[0-9a-f]{64}$/, 'expected sha256:<64 hex digits>')
  .describe('A content digest, e.g. "sha256:4b65…".');

/** What one pin resolved to. */
export const lockEntrySchema = z
  .strictObject({
    requested: z.string().describe('The version or range warehouse.yaml asked for, e.g. "^1.4.0".'),
    version: z.string().describe('The exact version it resolved to, e.g. "1.4.2".'),
    reference: z
      .string()
      .regex(
        /^[^\s@]+:[A-Za-z0-9_][A-Za-z0-9._-]*@sha256:[0-9a-f]{64}$/,
        'expected registry/name:tag@sha256:<digest>',
      )
      .describe('The full image reference, Renovate style: "registry/name:tag@sha256:…".'),
    digest: digestSchema.describe('The manifest digest the tag pointed at when pinned.'),
    contractHash: digestSchema.describe('The hash of the datakit contracts in that image.'),
  })
  .describe('One resolved pin.');

/** The whole datakits.lock.json. */
export const lockSchema = z
  .strictObject({
    $schema: z.string().optional().describe('JSON Schema of this file, for editors.'),
    lockVersion: z.literal(1).describe('Format version of this file. Always 1.'),
    warehouse: z.string().describe('The warehouse this lock belongs to.'),
    inputsDigest: digestSchema.describe(
      'sha256 over the pins of warehouse.yaml (name and requested version per datakit); a lock whose digest differs is out of sync.',
    ),
    datakits: z.record(z.string(), lockEntrySchema).describe('Resolved pins by datakit name.'),
  })
  .describe(
    "datakits.lock.json: what each pin of warehouse.yaml resolved to (like Helm's Chart.lock).",
  );

export type Lock = z.output<typeof lockSchema>;
export type LockEntry = z.output<typeof lockEntrySchema>;

/** The tag a lock entry pinned: `1.4.2` of `registry:5000/name:1.4.2@sha256:…`. */
export function lockedTag(entry: LockEntry): string {
  const at = entry.reference.lastIndexOf('@');
  return entry.reference.slice(entry.reference.lastIndexOf(':', at) + 1, at);
}

/**
 * The digest over what a lock depends on in warehouse.yaml: each datakit's name and requested
 * version, in name order. Schedules and parameters can change without re-pinning.
 */
export function lockInputsDigest(warehouse: Pick<Warehouse, 'datakits'>): string {
  const inputs = Object.keys(warehouse.datakits)
    .sort()
    .map((name) => [name, warehouse.datakits[name]!.version]);
  return `sha256:${createHash('sha256').update(JSON.stringify(inputs)).digest('hex')}`;
}
