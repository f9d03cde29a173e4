import type { DatakitError } from '@datakit/errors';
import {
  ConfigError,
  DriftError,
  EnvironmentError,
  ExitCode,
  isDatakitError,
} from '@datakit/errors';
import { assertLockInSync, lockedTag, type LoadedWarehouse } from '@datakit/warehouse';
import { compareSide, specTables } from './_live-tables.ts';
import { currentDigest, listTags, readImageLabels, sidecarImageState } from './_registry-reads.ts';
import { tagState } from './detect-moved-tag.ts';
import type { PinRegistry } from './pin-registry.ts';
import { versionTags } from './resolve-version.ts';
import { writeModeProblems } from './_write-modes.ts';
import { parameterProblemLine, parameterProblems } from './_parameters.ts';

/** What one check of `datakit verify` looked at. */
export type VerifyCheckName =
  | 'load'
  | 'lock'
  | 'registry'
  | 'contract-hash'
  | 'write-modes'
  | 'parameters'
  | 'sidecar'
  | 'live-tables'
  | 'airflow-dags'
  | 'manifests';

/** One check and its outcome. */
export interface VerifyCheck {
  /** The datakit checked, or null for the warehouse as a whole (the lock's sync). */
  datakit: string | null;
  check: VerifyCheckName;
  status: 'ok' | 'failed' | 'skipped';
  /** The exit code this failure calls for: 2 config, 3 drift, 5 environment; 0 otherwise. */
  exitCode: ExitCode;
  /** What was found: one line, or a drift diff. */
  message: string;
}

/** The outcome of `datakit verify` for one warehouse. */
export interface VerifyResult {
  warehouse: string;
  environment: string;
  /** True when no check failed (skipped checks do not fail). */
  ok: boolean;
  checks: VerifyCheck[];
}

/** Options of {@link verifyWarehouse}. */
export interface VerifyOptions {
  /** The environment whose registry and secrets are used. */
  environment: string;
  /** Compare contracts with the live tables (default true). */
  live?: boolean;
  /**
   * Check the locked digests and contract hashes in the registry (default true); false skips
   * them and the live tables (which need the images' spec labels), e.g. offline.
   */
  registry?: boolean;
}

/**
 * Verifies a warehouse's lock: in sync with warehouse.yaml; every locked tag still in the
 * registry at the locked digest (a moved tag is reported, never followed); the image's
 * contract hash as locked; and the pinned contracts compatible with the live tables of each
 * pin's source and target connections. Every check runs and is reported; nothing throws for a
 * failed check (an unreachable registry throws an `EnvironmentError`).
 */
export async function verifyWarehouse(
  loaded: LoadedWarehouse,
  registry: PinRegistry,
  options: VerifyOptions,
): Promise<VerifyResult> {
  const checks: VerifyCheck[] = [];
  const add = (check: Omit<VerifyCheck, 'exitCode' | 'status'> & Partial<VerifyCheck>) =>
    checks.push({ status: 'ok', exitCode: ExitCode.Success, ...check });
  const fail = (
    datakit: string | null,
    check: VerifyCheckName,
    exitCode: ExitCode,
    message: string,
  ) => add({ datakit, check, status: 'failed', exitCode, message });

  try {
    assertLockInSync(loaded);
    add({
      datakit: null,
      check: 'lock',
      message: `${loaded.lockFile} is in sync with ${loaded.file}`,
    });
  } catch (error) {
    if (!isDatakitError(error)) throw error;
    fail(null, 'lock', error.exitCode, error.message);
  }

  const { lock, lockFile, warehouse } = loaded;
  // The Kerberos sidecar is pinned by digest like the datakits.
  if (warehouse.kerberos !== undefined && lock !== undefined && options.registry !== false) {
    const sidecar = lock.sidecar;
    const pinned = sidecar && (await sidecarImageState(registry, sidecar.reference));
    if (sidecar === undefined || pinned === undefined || pinned.state === 'by-tag') {
      fail(
        null,
        'sidecar',
        ExitCode.Config,
        `${lockFile}: field "sidecar" is missing: the lock pins no Kerberos sidecar image, and deploy runs the sidecar only by a locked digest (datakit pin ${warehouse.name} --relock writes it).`,
      );
    } else if (pinned.state === 'missing') {
      fail(
        null,
        'sidecar',
        ExitCode.Config,
        `${lockFile}: field "sidecar.digest" is ${pinned.digest}, which ${registry.host}/${pinned.repository} does not have.`,
      );
    } else {
      add({
        datakit: null,
        check: 'sidecar',
        message: `${pinned.repository}:${sidecar.version} is at the locked digest ${pinned.digest}`,
      });
    }
  }
  for (const [datakit, entry] of Object.entries(lock?.datakits ?? {}).sort(([a], [b]) =>
    a < b ? -1 : 1,
  )) {
    if (options.registry === false) {
      add({
        datakit,
        check: 'registry',
        status: 'skipped',
        message: 'not checked (--no-registry)',
      });
      continue;
    }
    const field = `field "datakits.${datakit}`;
    const tag = lockedTag(entry);
    const state = tagState(entry.digest, await currentDigest(registry, datakit, tag));
    const labels = await readImageLabels(registry, datakit, entry.digest);
    if (labels === undefined) {
      const versions = versionTags(await listTags(registry, datakit)).map((t) => t.version);
      fail(
        datakit,
        'registry',
        ExitCode.Config,
        `${lockFile}: ${field}.digest" is ${entry.digest}, which ${registry.host}/${datakit} does not have${
          state === 'moved' ? ` (tag ${tag} now points at another image)` : ''
        }; the versions that exist are ${versions.join(', ') || 'none'}.`,
      );
      continue;
    }
    if (state === 'same') {
      add({
        datakit,
        check: 'registry',
        message: `${datakit}:${tag} is at the locked digest ${entry.digest}`,
      });
    } else {
      fail(
        datakit,
        'registry',
        ExitCode.Config,
        state === 'moved'
          ? `${lockFile}: ${field}.digest" is ${entry.digest}, but tag ${tag} of ${datakit} now points at another image; the tag is not followed (versions are immutable: push a new version and pin it).`
          : `${lockFile}: ${field}.reference" names tag ${tag}, which ${registry.host}/${datakit} no longer has (the locked digest is still there).`,
      );
    }
    if (labels.version !== undefined && labels.version !== entry.version) {
      fail(
        datakit,
        'registry',
        ExitCode.Config,
        `${lockFile}: ${field}.version" is ${entry.version}, but the image at ${entry.digest} is labelled version ${labels.version}.`,
      );
    }
    if (labels.contractHash !== entry.contractHash) {
      fail(
        datakit,
        'contract-hash',
        ExitCode.Config,
        `${lockFile}: ${field}.contractHash" is ${entry.contractHash}, but the image at ${entry.digest} is labelled ${labels.contractHash ?? 'with no contract hash'}.`,
      );
    } else {
      add({ datakit, check: 'contract-hash', message: `contract ${entry.contractHash}` });
    }

    const pin = warehouse.datakits[datakit];
    const modeProblems =
      pin === undefined || labels.spec === undefined
        ? undefined
        : writeModeProblems(labels.spec, pin.mode);
    if (modeProblems !== undefined && modeProblems.length > 0) {
      fail(
        datakit,
        'write-modes',
        ExitCode.Config,
        modeProblems
          .map(({ field, message }) =>
            field === null
              ? `the image at ${entry.digest}: its own mode for a table is refused: ${message}`
              : `${loaded.file}: field "datakits.${datakit}.${field}": ${message}`,
          )
          .join('\n'),
      );
    } else if (modeProblems !== undefined) {
      add({ datakit, check: 'write-modes', message: 'every table has a mode it supports' });
    }
    const parameters =
      pin === undefined || labels.spec === undefined
        ? undefined
        : parameterProblems(labels.spec, pin.parameters);
    if (parameters !== undefined && parameters.length > 0) {
      fail(
        datakit,
        'parameters',
        ExitCode.Config,
        parameters
          .map((problem) =>
            parameterProblemLine(loaded.file, { datakit, version: entry.version }, problem),
          )
          .join('\n'),
      );
    } else if (parameters !== undefined) {
      add({
        datakit,
        check: 'parameters',
        message: "the parameters fit the image's config schema",
      });
    }
    if (options.live === false) {
      add({ datakit, check: 'live-tables', status: 'skipped', message: 'not checked (--no-live)' });
      continue;
    }
    if (pin === undefined) continue;
    const tables = labels.spec === undefined ? undefined : specTables(labels.spec);
    if (tables === undefined) {
      fail(
        datakit,
        'live-tables',
        ExitCode.Config,
        `the image at ${entry.digest} has no readable dev.datakit.spec label with contracts; its tables cannot be compared.`,
      );
      continue;
    }
    for (const side of ['source', 'target'] as const) {
      const outcome = await compareSide(
        loaded,
        options.environment,
        pin[side],
        side,
        tables[side],
        datakit,
      );
      const where = `${side} connection "${pin[side]}"`;
      switch (outcome.status) {
        case 'ok':
          add({
            datakit,
            check: 'live-tables',
            message: `${tables[side].length} ${side} table(s) compatible with ${where}`,
          });
          break;
        case 'drift':
          fail(datakit, 'live-tables', ExitCode.Drift, `${where}:\n${outcome.text}`);
          break;
        case 'skipped':
          add({
            datakit,
            check: 'live-tables',
            status: 'skipped',
            message: `${where}: ${outcome.reason}`,
          });
          break;
        case 'unreachable':
          fail(datakit, 'live-tables', ExitCode.Environment, `${where}: ${outcome.reason}`);
          break;
      }
    }
  }
  return {
    warehouse: warehouse.name,
    environment: options.environment,
    ok: checks.every((c) => c.status !== 'failed'),
    checks,
  };
}

/**
 * The error for failed verifications, or undefined when all passed: one paragraph listing every
 * failed check. Its exit code is 2 when a lock or registry check failed, else 3 for drift, else
 * 5 when a database could not be reached.
 */
export function verifyError(results: readonly VerifyResult[]): DatakitError | undefined {
  const failed = results.flatMap((r) =>
    r.checks.filter((c) => c.status === 'failed').map((c) => ({ ...c, warehouse: r.warehouse })),
  );
  if (failed.length === 0) return undefined;
  const lines = failed.map(
    (c) =>
      `  ${c.warehouse}${c.datakit === null ? '' : ` ${c.datakit}`} (${c.check}): ${c.message.replaceAll('\n', '\n    ')}`,
  );
  const message = `${failed.length} verification${failed.length === 1 ? '' : 's'} failed:\n${lines.join('\n')}`;
  const codes = new Set(failed.map((c) => c.exitCode));
  if (codes.has(ExitCode.Config) || codes.has(ExitCode.Failure)) {
    // A folder that did not load needs its file corrected, not a new pin.
    const onlyLoad = failed.every((c) => c.check === 'load');
    return new ConfigError(message, {
      hint: onlyLoad
        ? 'Correct each file named above; every other warehouse was verified.'
        : 'Re-resolve the pins with `datakit pin <warehouse> <datakit>@<version>`.',
    });
  }
  if (codes.has(ExitCode.Drift)) {
    return new DriftError(message, {
      hint: 'Migrate the tables, or pin a datakit version whose contract matches them.',
    });
  }
  return new EnvironmentError(message, {
    hint: 'Start the databases (npm run infra:up locally) or run with --no-live to skip the table check.',
  });
}
