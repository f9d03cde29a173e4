import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ConfigError } from '@datakit/errors';
import {
  formatLockJson,
  lockInputsDigest,
  lockedTag,
  parseWarehouseYaml,
  setPinVersion,
  type LoadedWarehouse,
  type Lock,
  type LockEntry,
} from '@datakit/warehouse';
import type { PinRequest } from './parse-pin-request.ts';
import type { PinRegistry } from './pin-registry.ts';
import { resolvePin } from './resolve-pin.ts';

/** What happened to one datakit's lock entry. */
export interface PinChange {
  datakit: string;
  /** `added`: no entry before; `changed`: another version or digest; `unchanged`: kept as is. */
  action: 'added' | 'changed' | 'unchanged';
  /** The entry before, if any. */
  from: LockEntry | undefined;
  /** The entry after. */
  to: LockEntry;
}

/** Everything `datakit pin` would write, computed before anything is written. */
export interface PinPlan {
  warehouse: string;
  /** warehouse.yaml and its new text. */
  warehouseFile: string;
  warehouseText: string;
  /** Whether warehouse.yaml changes (the requested version differs). */
  warehouseChanged: boolean;
  /** datakits.lock.json and its new text. */
  lockFile: string;
  lockText: string;
  lock: Lock;
  /** Whether datakits.lock.json changes. */
  lockChanged: boolean;
  /** One entry per pinned datakit, by name: the requested one, and any other the lock lacked. */
  changes: PinChange[];
}

/**
 * Computes a pin without writing anything: sets `datakits.<datakit>.version` in warehouse.yaml
 * (comments kept), resolves it through the registry, and gives the whole new lock. Other pins
 * keep their lock entries; pins the lock lacks or resolved from another request are resolved
 * too, so the lock written is in sync with warehouse.yaml. A tag that now points at another
 * digest than the lock recorded is refused, never followed. Errors name file and field (exit
 * 2; an unreachable registry is exit 5).
 */
export async function planPin(
  loaded: LoadedWarehouse,
  request: PinRequest,
  registry: PinRegistry,
): Promise<PinPlan> {
  const { file, warehouse } = loaded;
  if (!(request.datakit in warehouse.datakits)) {
    const pinned = Object.keys(warehouse.datakits);
    throw new ConfigError(
      `${file}: field "datakits" has no datakit "${request.datakit}"; ${
        pinned.length === 0 ? 'it pins none yet.' : `it pins ${pinned.join(', ')}.`
      } Nothing was written.`,
      {
        hint: `To add a datakit, write its block under datakits: in ${file} (version, source, target), then run datakit pin again.`,
      },
    );
  }
  const before = readFileSync(file, 'utf8');
  const warehouseText = setPinVersion(before, file, request.datakit, request.requested);
  return plan(loaded, before, warehouseText, registry, request.datakit);
}

/**
 * Computes a new lock for the warehouse as it is: every pin of warehouse.yaml resolved again
 * through the registry, a tag that points at another digest than the lock recorded taken
 * (the lock is made anew, e.g. for a registry whose images were built on another machine).
 * warehouse.yaml is not changed.
 */
export async function planRelock(loaded: LoadedWarehouse, registry: PinRegistry): Promise<PinPlan> {
  const text = readFileSync(loaded.file, 'utf8');
  return plan(loaded, text, text, registry, undefined);
}

/**
 * The plan for warehouse.yaml's new text: pins the lock lacks, pins asked again and `pinned`
 * (or, without it, every pin) are resolved; the others keep their entries.
 */
async function plan(
  loaded: LoadedWarehouse,
  before: string,
  warehouseText: string,
  registry: PinRegistry,
  pinned: string | undefined,
): Promise<PinPlan> {
  const { file, lockFile } = loaded;
  const next = parseWarehouseYaml(warehouseText, file);
  const previous = loaded.lock?.datakits ?? {};
  const relock = pinned === undefined;

  const changes: PinChange[] = [];
  for (const datakit of Object.keys(next.datakits).sort()) {
    const requested = next.datakits[datakit]!.version;
    const from = previous[datakit];
    const keep =
      !relock && datakit !== pinned && from !== undefined && from.requested === requested;
    const to = keep ? from : await resolvePin(registry, file, datakit, requested);
    if (!relock && from !== undefined && from.version === to.version && from.digest !== to.digest) {
      throw movedTag(lockFile, datakit, from, to);
    }
    const same = from !== undefined && from.version === to.version && from.digest === to.digest;
    changes.push({
      datakit,
      action: from === undefined ? 'added' : same ? 'unchanged' : 'changed',
      from,
      to: same && from.requested === to.requested ? from : to,
    });
  }

  const lock: Lock = {
    ...lockSchemaRef(loaded.lock, before),
    lockVersion: 1,
    warehouse: next.name,
    inputsDigest: lockInputsDigest(next),
    datakits: Object.fromEntries(changes.map((c) => [c.datakit, c.to])),
  };
  const lockText = formatLockJson(lock);
  const lockBefore = loaded.lock === undefined ? undefined : readFileSync(lockFile, 'utf8');
  return {
    warehouse: next.name,
    warehouseFile: file,
    warehouseText,
    warehouseChanged: warehouseText !== before,
    lockFile,
    lockText,
    lock,
    lockChanged: lockText !== lockBefore,
    changes,
  };
}

/** Writes what a plan computed: each file replaced whole (a temporary file, then a rename). */
export function writePin(plan: PinPlan): void {
  if (plan.lockChanged) replaceFile(plan.lockFile, plan.lockText);
  if (plan.warehouseChanged) replaceFile(plan.warehouseFile, plan.warehouseText);
}

function replaceFile(file: string, text: string): void {
  const temporary = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  writeFileSync(temporary, text);
  renameSync(temporary, file);
}

function movedTag(lockFile: string, datakit: string, from: LockEntry, to: LockEntry): ConfigError {
  const tag = lockedTag(from);
  return new ConfigError(
    `${lockFile}: field "datakits.${datakit}.digest" is ${from.digest}, but tag ${tag} of ${datakit} now points at ${to.digest}: the tag was pushed again over another image. It is not followed and nothing was written.`,
    {
      hint: `Versions are immutable: push the new image as a new version and pin that, or restore ${tag} to ${from.digest} (datakit registry copy).`,
    },
  );
}

/**
 * The lock's `$schema`: the one the lock had, else the lock schema next to the warehouse
 * schema that warehouse.yaml's `yaml-language-server` comment names; none otherwise.
 */
function lockSchemaRef(lock: Lock | undefined, warehouseText: string): { $schema?: string } {
  if (lock?.$schema !== undefined) return { $schema: lock.$schema };
  const match = /^# yaml-language-server: \$schema=(\S*)warehouse\.schema\.json\s*$/m.exec(
    warehouseText,
  );
  return match ? { $schema: `${match[1]}lock.schema.json` } : {};
}
