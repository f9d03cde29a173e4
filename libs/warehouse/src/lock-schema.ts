import { createHash } from 'node:crypto';
import semver from 'semver';
import * as z from 'zod';
import { labelValueProblem } from './kubernetes-names.ts';
import type { Warehouse } from './warehouse-schema.ts';

const digestSchema = z
  .string()
  .regex(/^sha256:[0-9a-f]{64}$/, 'expected sha256:<64 hex digits>')
  .describe('A content digest, e.g. "sha256:4b65…".');

/** `registry/name:tag@sha256:<digest>`, as a lock entry (datakit or sidecar) writes it. */
const lockReferenceSchema = z
  .string()
  .regex(
    /^[^/\s@]+\/[^\s@]+:[A-Za-z0-9_][A-Za-z0-9._-]*@sha256:[0-9a-f]{64}$/,
    'expected registry/name:tag@sha256:<digest>',
  );

/**
 * Reports (at `reference`) a lock entry whose reference names another tag than its version or
 * another digest than its digest; false when the reference is malformed (its own regex
 * reported it) and nothing could be compared.
 */
function referenceAgrees(
  entry: { version: string; reference: string; digest: string },
  ctx: z.RefinementCtx,
): boolean {
  const ref = parseLockReference(entry.reference);
  if (ref === undefined) return false;
  const problem = (message: string) =>
    ctx.addIssue({ code: 'custom', path: ['reference'], message });
  if (ref.tag !== entry.version)
    problem(`names tag ${ref.tag}, but field "version" is ${entry.version}`);
  if (ref.digest !== entry.digest) {
    problem(`names digest ${ref.digest}, but field "digest" is ${entry.digest}`);
  }
  return true;
}

/** What one pin resolved to. */
export const lockEntrySchema = z
  .strictObject({
    requested: z
      .string()
      .refine((v) => semver.validRange(v) !== null, 'expected an exact version or a semver range')
      .describe('The version or range warehouse.yaml asked for, e.g. "^1.4.0".'),
    version: z
      .string()
      .superRefine((v, ctx) => {
        if (semver.valid(v) !== v) {
          ctx.addIssue({
            code: 'custom',
            input: v,
            message: 'expected an exact version, e.g. "1.4.2"',
          });
          return;
        }
        // Deployed objects carry it as a label value.
        const problem = labelValueProblem(v);
        if (problem !== undefined) ctx.addIssue({ code: 'custom', input: v, message: problem });
      })
      .describe('The exact version it resolved to, e.g. "1.4.2".'),
    reference: lockReferenceSchema.describe(
      'The full image reference, Renovate style: "registry/name:tag@sha256:…".',
    ),
    digest: digestSchema.describe('The manifest digest the tag pointed at when pinned.'),
    contractHash: digestSchema.describe('The hash of the datakit contracts in that image.'),
  })
  .superRefine((entry, ctx) => {
    const problem = (path: string, message: string) =>
      ctx.addIssue({ code: 'custom', path: [path], message });
    if (!referenceAgrees(entry, ctx)) return;
    if (
      semver.valid(entry.version) === entry.version &&
      semver.validRange(entry.requested) !== null &&
      !semver.satisfies(entry.version, entry.requested, { includePrerelease: true })
    ) {
      problem(
        'version',
        `${entry.version} does not satisfy field "requested" (${entry.requested})`,
      );
    }
  })
  .describe('One resolved pin.');

/** The Kerberos sidecar image every job of the warehouse runs next to, pinned by digest. */
export const lockSidecarSchema = z
  .strictObject({
    version: z
      .string()
      .refine((v) => semver.valid(v) === v, 'expected an exact version, e.g. "1.0.1"')
      .describe('The sidecar version of this repository (platform/kerberos-sidecar).'),
    reference: lockReferenceSchema.describe('"registry/kerberos-sidecar:1.0.1@sha256:…".'),
    digest: digestSchema.describe('The manifest digest the tag pointed at when pinned.'),
  })
  .superRefine((entry, ctx) => void referenceAgrees(entry, ctx))
  .describe('The Kerberos sidecar image, resolved to a digest like the datakits.');

/** The whole datakits.lock.json. */
export const lockSchema = z
  .strictObject({
    $schema: z.string().optional().describe('JSON Schema of this file, for editors.'),
    lockVersion: z.literal(1).describe('Format version of this file. Always 1.'),
    warehouse: z.string().describe('The warehouse this lock belongs to.'),
    inputsDigest: digestSchema.describe(
      'sha256 over the pins of warehouse.yaml (name and requested version per datakit); a lock whose digest differs is out of sync.',
    ),
    datakits: z
      .record(z.string(), lockEntrySchema)
      .superRefine((datakits, ctx) => {
        for (const [datakit, entry] of Object.entries(datakits)) {
          const ref = parseLockReference(entry.reference);
          if (ref === undefined || ref.repository === datakit) continue;
          ctx.addIssue({
            code: 'custom',
            path: [datakit, 'reference'],
            message: `names repository ${ref.repository}, but this entry is the datakit ${datakit} (whose images are in repository ${datakit})`,
          });
        }
      })
      .describe('Resolved pins by datakit name.'),
    sidecar: lockSidecarSchema
      .optional()
      .describe(
        'The Kerberos sidecar image, for a warehouse with a kerberos block: deploys run it by this digest.',
      ),
  })
  .describe(
    "datakits.lock.json: what each pin of warehouse.yaml resolved to (like Helm's Chart.lock).",
  );

export type Lock = z.output<typeof lockSchema>;
export type LockEntry = z.output<typeof lockEntrySchema>;
export type LockSidecar = z.output<typeof lockSidecarSchema>;

/** A lock reference taken apart: `registry/repository:tag@digest`. */
export interface LockReference {
  registry: string;
  repository: string;
  tag: string;
  digest: string;
}

/** Takes `127.0.0.1:5000/pagila-bronze:1.4.2@sha256:…` apart; undefined when it is malformed. */
export function parseLockReference(reference: string): LockReference | undefined {
  const match = /^([^/\s@]+)\/([^\s@]+):([A-Za-z0-9_][A-Za-z0-9._-]*)@(sha256:[0-9a-f]{64})$/.exec(
    reference,
  );
  if (!match) return undefined;
  const [, registry, repository, tag, digest] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
  ];
  return { registry, repository, tag, digest };
}

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
