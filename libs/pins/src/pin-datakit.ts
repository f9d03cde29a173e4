import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ConfigError } from '@datakit/errors';
import { formatReference } from '@datakit/registry';
import {
  formatLockJson,
  lockInputsDigest,
  lockedTag,
  addPin,
  parseWarehouseYaml,
  setPinVersion,
  type LoadedWarehouse,
  type Lock,
  type LockEntry,
  type LockSidecar,
} from '@datakit/warehouse';
import type { PinRequest } from './parse-pin-request.ts';
import type { PinRegistry } from './pin-registry.ts';
import { currentDigest } from './_registry-reads.ts';
import { resolvePin } from './resolve-pin.ts';
import { upgradeImpact, type UpgradeImpact } from './upgrade-impact.ts';

/** What happened to one datakit's lock entry. */
export interface PinChange {
  datakit: string;
  /** `added`: no entry before; `changed`: another version or digest; `unchanged`: kept as is. */
  action: 'added' | 'changed' | 'unchanged';
  /** The entry before, if any. */
  from: LockEntry | undefined;
  /** The entry after. */
  to: LockEntry;
  /**
   * For the datakit asked for, when its version moves: what the move changes in its tables
   * (contract diff, breaking-change notes, migration), read from the two images' labels.
   */
  upgrade?: UpgradeImpact;
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
  connections: PinConnections = {},
  sidecar?: SidecarRequest,
): Promise<PinPlan> {
  const { file, warehouse } = loaded;
  const before = readFileSync(file, 'utf8');
  if (!(request.datakit in warehouse.datakits)) {
    const { source, target } = inferPinConnections(loaded, connections);
    if (source === undefined || target === undefined) {
      const names = Object.keys(warehouse.connections);
      throw new ConfigError(
        `${file}: field "datakits" has no datakit "${request.datakit}" yet, and its ${
          source === undefined && target === undefined
            ? 'source and target connections'
            : source === undefined
              ? 'source connection'
              : 'target connection'
        } cannot be inferred (connections: ${names.join(', ') || 'none'}). Nothing was written.`,
        {
          hint: 'Name them: datakit pin <warehouse> <datakit>@<range> --source <connection> --target <connection>.',
        },
      );
    }
    const warehouseText = addPin(before, file, request.datakit, {
      version: request.requested,
      source,
      target,
    });
    return plan(loaded, before, warehouseText, registry, request.datakit, sidecar);
  }
  const warehouseText = setPinVersion(before, file, request.datakit, request.requested);
  return plan(loaded, before, warehouseText, registry, request.datakit, sidecar);
}

/** The connections a new pin reads from and writes to, as given (flags) or inferred. */
export interface PinConnections {
  source?: string;
  target?: string;
}

/**
 * The source and target of a datakit the warehouse does not pin yet: those given, else the
 * target every other pin writes to (or the only connection no pin reads from), and the source
 * every other pin reads from (or the only connection that is not the target). Undefined where it cannot be told; a given name the
 * warehouse has no connection of is a ConfigError naming the field.
 */
export function inferPinConnections(
  loaded: LoadedWarehouse,
  given: PinConnections = {},
): PinConnections {
  const { file, warehouse } = loaded;
  const names = Object.keys(warehouse.connections);
  for (const side of ['source', 'target'] as const) {
    const name = given[side];
    if (name !== undefined && !names.includes(name)) {
      throw new ConfigError(
        `${file}: field "connections" has no connection "${name}" to use as the ${side}; it has ${names.join(', ') || 'none'}. Nothing was written.`,
      );
    }
  }
  const pins = Object.values(warehouse.datakits);
  const only = <T>(values: T[]): T | undefined => {
    const distinct = [...new Set(values)];
    return distinct.length === 1 ? distinct[0] : undefined;
  };
  const target =
    given.target ??
    only(pins.map((p) => p.target)) ??
    only(names.filter((n) => !pins.some((p) => p.source === n) && n !== given.source));
  const source =
    given.source ?? only(pins.map((p) => p.source)) ?? only(names.filter((n) => n !== target));
  return {
    ...(source === undefined ? {} : { source }),
    ...(target === undefined ? {} : { target }),
  };
}

/**
 * Computes a new lock for the warehouse as it is: every pin of warehouse.yaml resolved again
 * through the registry, a tag that points at another digest than the lock recorded taken
 * (the lock is made anew, e.g. for a registry whose images were built on another machine).
 * warehouse.yaml is not changed.
 */
export async function planRelock(
  loaded: LoadedWarehouse,
  registry: PinRegistry,
  sidecar?: SidecarRequest,
): Promise<PinPlan> {
  const text = readFileSync(loaded.file, 'utf8');
  return plan(loaded, text, text, registry, undefined, sidecar);
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
  sidecarRequest: SidecarRequest | undefined,
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
    const upgrade =
      datakit === pinned && from !== undefined && from.version !== to.version
        ? await upgradeImpact(
            registry,
            datakit,
            { version: from.version, reference: from.digest },
            { version: to.version, reference: to.digest },
          )
        : undefined;
    changes.push({
      datakit,
      action: from === undefined ? 'added' : same ? 'unchanged' : 'changed',
      from,
      to: same && from.requested === to.requested ? from : to,
      ...(upgrade === undefined ? {} : { upgrade }),
    });
  }

  const sidecar = await planSidecar(
    loaded,
    next.kerberos !== undefined,
    registry,
    sidecarRequest,
    relock,
  );
  const lock: Lock = {
    ...lockSchemaRef(loaded.lock, before),
    lockVersion: 1,
    warehouse: next.name,
    inputsDigest: lockInputsDigest(next),
    datakits: Object.fromEntries(changes.map((c) => [c.datakit, c.to])),
    ...(sidecar === undefined ? {} : { sidecar }),
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

/** The sidecar image of this repository a warehouse with Kerberos runs: its repository and version. */
export interface SidecarRequest {
  repository: string;
  version: string;
}

/**
 * The lock's sidecar entry: none for a warehouse without Kerberos; the one the lock has when
 * no sidecar is asked for, or the same version is asked again in the same registry (unless
 * relocking); else the version resolved through the registry to its digest. A tag that now
 * points at another digest than the lock records is refused, as for datakits.
 */
async function planSidecar(
  loaded: LoadedWarehouse,
  usesKerberos: boolean,
  registry: PinRegistry,
  request: SidecarRequest | undefined,
  relock: boolean,
): Promise<LockSidecar | undefined> {
  if (!usesKerberos) return undefined;
  const previous = loaded.lock?.sidecar;
  if (request === undefined) return previous;
  const reference = (digest: string) =>
    formatReference({
      registry: registry.host,
      repository: request.repository,
      tag: request.version,
      digest,
    });
  if (
    !relock &&
    previous !== undefined &&
    previous.version === request.version &&
    previous.reference === reference(previous.digest)
  ) {
    return previous;
  }
  const digest = await currentDigest(registry, request.repository, request.version);
  if (digest === undefined) {
    throw new ConfigError(
      `${loaded.file}: field "kerberos": the registry ${registry.host} has no ${request.repository}:${request.version}, the Kerberos sidecar this warehouse's jobs run next to. Nothing was written.`,
      { hint: `Push it first: datakit images push ${request.repository}.` },
    );
  }
  if (
    !relock &&
    previous !== undefined &&
    previous.version === request.version &&
    previous.digest !== digest &&
    previous.reference.startsWith(`${registry.host}/`)
  ) {
    throw new ConfigError(
      `${loaded.lockFile}: field "sidecar.digest" is ${previous.digest}, but tag ${request.version} of ${request.repository} now points at ${digest}: the tag was pushed again over another image. It is not followed and nothing was written.`,
      {
        hint: 'Versions are immutable: release the sidecar as a new version, or relock with --relock.',
      },
    );
  }
  return { version: request.version, reference: reference(digest), digest };
}
