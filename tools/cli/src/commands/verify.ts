import { resolve } from 'node:path';
import { Args, Flags } from '@oclif/core';
import { environmentState, verifyAirflowDags, verifyManifests } from '@datakit/deploy';
import { ExitCode, isDatakitError } from '@datakit/errors';
import { verifyError, verifyWarehouse, type VerifyCheck, type VerifyResult } from '@datakit/pins';
import type { LoadedWarehouse } from '@datakit/warehouse';
import { envFlags, sidecarRequest } from '../_deploy.ts';
import { pinRegistryOf, warehousesOf } from '../_pins.ts';
import { DatakitCommand } from '../_render.ts';

/** What `datakit verify --json` prints (also when a check fails; the exit code says so). */
export interface VerifyCommandResult {
  ok: boolean;
  warehouses: VerifyResult[];
}

const MARKS = { ok: 'ok  ', failed: 'FAIL', skipped: 'skip' } as const;

export default class Verify extends DatakitCommand {
  static override summary =
    "Verify a warehouse's lock (or every warehouse's): in sync, in the registry at the locked digests, compatible with the live tables.";
  static override description =
    "Checks that datakits.lock.json matches warehouse.yaml; that every locked tag still points at the locked digest in the environment's registry (a moved tag is reported, never followed) and the image carries the locked contract hash; and that the pinned contracts (from the image's spec label) are compatible with the live tables of each pin's source and target connections. With --airflow-dir (or an environment scheduled by Airflow with airflowDagsDir), that the rendered DAG folder runs exactly the locked digests. For every Kubernetes environment, that the rendered manifests hold only fields and value types the Kubernetes API defines (as strict field validation checks them), each problem shown at the warehouse.yaml field it came from. Exit code 2 when the lock, registry, DAG folder or manifests disagree, 3 on schema drift, 5 when a database cannot be reached.";
  static override examples = [
    '<%= config.bin %> verify',
    '<%= config.bin %> verify analytics --json',
    '<%= config.bin %> verify finance --no-live',
    '<%= config.bin %> verify analytics --env prod --no-registry --airflow-dir airflow/dags',
  ];
  static override enableJsonFlag = true;
  static override args = {
    warehouse: Args.string({
      description: 'Warehouse name (a folder of warehouses/) or folder path; default all.',
      required: false,
    }),
  };
  static override flags = {
    ...envFlags,
    live: Flags.boolean({
      description: 'Compare the pinned contracts with the live tables (--no-live skips it).',
      default: true,
      allowNo: true,
    }),
    registry: Flags.boolean({
      description:
        'Check the locked digests in the registry (--no-registry skips it and the live tables, e.g. offline).',
      default: true,
      allowNo: true,
    }),
    'airflow-dir': Flags.string({
      description:
        "A DAG folder of `render --format airflow` to compare with the lock (default: the environment's airflowDagsDir when its scheduler is airflow).",
    }),
  };

  async run(): Promise<VerifyCommandResult> {
    const { args, flags } = await this.parse(Verify);
    const warehouses: VerifyResult[] = [];
    const { loaded: all, failed } = warehousesOf(args.warehouse);
    // A folder that does not load is one failed check; the other warehouses are still verified.
    const unloaded = failed.map((failure): VerifyResult => ({
      warehouse: failure.name,
      environment: flags.env,
      ok: false,
      checks: [
        {
          datakit: null,
          check: 'load',
          status: 'failed',
          exitCode: failure.error.exitCode,
          message: failure.error.message,
        },
      ],
    }));
    for (const result of unloaded) this.#print(result);
    warehouses.push(...unloaded);
    for (const loaded of all) {
      const result = await verifyWarehouse(loaded, pinRegistryOf(loaded, flags.env), {
        environment: flags.env,
        live: flags.live,
        registry: flags.registry,
      });
      const airflow = airflowCheck(loaded, flags.env, flags['airflow-dir']);
      if (airflow !== undefined) {
        result.checks.push(airflow);
        if (airflow.status === 'failed') result.ok = false;
      }
      const lockOk = result.checks.some((c) => c.check === 'lock' && c.status === 'ok');
      for (const check of manifestChecks(loaded, lockOk)) {
        result.checks.push(check);
        if (check.status === 'failed') result.ok = false;
      }
      warehouses.push(result);
      this.#print(result);
    }
    const error = verifyError(warehouses);
    if (error === undefined) return { ok: true, warehouses };
    this.failAfterResult(error);
    return { ok: false, warehouses };
  }

  /** One line per check of a warehouse (nothing with --json). */
  #print(result: VerifyResult): void {
    if (this.jsonEnabled()) return;
    for (const check of result.checks) {
      const who = `${result.warehouse}${check.datakit === null ? '' : ` ${check.datakit}`}`;
      this.log(`${MARKS[check.status]}  ${who} ${check.check}: ${check.message.split('\n')[0]}`);
    }
  }
}

/**
 * The DAG folder check of one warehouse environment: the folder named by --airflow-dir, else the
 * environment's airflowDagsDir when Airflow schedules it; undefined when neither applies.
 */
function airflowCheck(
  loaded: LoadedWarehouse,
  env: string,
  flagDir: string | undefined,
): VerifyCheck | undefined {
  const environment = loaded.warehouse.environments[env];
  if (environment === undefined) return undefined;
  const dir =
    flagDir !== undefined
      ? resolve(flagDir)
      : environment.airflowDagsDir !== undefined
        ? resolve(loaded.dir, environment.airflowDagsDir)
        : undefined;
  const failed = (message: string): VerifyCheck => ({
    datakit: null,
    check: 'airflow-dags',
    status: 'failed',
    exitCode: ExitCode.Config,
    message,
  });
  if (dir === undefined) {
    if (environment.scheduler !== 'airflow') return undefined;
    return failed(
      `environment "${env}" is scheduled by Airflow but names no DAG folder; pass --airflow-dir <dir> or set environments.${env}.airflowDagsDir`,
    );
  }
  try {
    const result = verifyAirflowDags(
      environmentState(loaded, env, { sidecar: sidecarRequest() }),
      dir,
    );
    if (result.ok) {
      return {
        datakit: null,
        check: 'airflow-dags',
        status: 'ok',
        exitCode: ExitCode.Success,
        message: `${dir} runs exactly the locked digests`,
      };
    }
    return failed(
      `${dir} does not match the lock: ${result.problems.join('; ')}. Render it again: datakit render ${loaded.warehouse.name} --env ${env} --format airflow --out ${dir}`,
    );
  } catch (error) {
    if (!isDatakitError(error)) throw error;
    return failed(error.message);
  }
}

/**
 * The manifests check of each Kubernetes environment of a warehouse: its objects rendered as
 * `datakit render` does and checked strictly against the Kubernetes API schema. Skipped when
 * the lock is missing or out of sync (the lock check says why).
 */
function manifestChecks(loaded: LoadedWarehouse, lockOk: boolean): VerifyCheck[] {
  const check = (status: VerifyCheck['status'], exitCode: ExitCode, message: string) => ({
    datakit: null,
    check: 'manifests' as const,
    status,
    exitCode,
    message,
  });
  return Object.entries(loaded.warehouse.environments)
    .filter(([, environment]) => environment.driver === 'kubernetes')
    .map(([env]) => {
      if (!lockOk) {
        return check(
          'skipped',
          ExitCode.Success,
          `environment "${env}": not rendered (the lock is missing or out of sync)`,
        );
      }
      try {
        const { objects, problems } = verifyManifests(
          environmentState(loaded, env, { sidecar: sidecarRequest() }),
        );
        return problems.length === 0
          ? check(
              'ok',
              ExitCode.Success,
              `environment "${env}": ${objects} rendered object(s) valid against the Kubernetes API schema`,
            )
          : check(
              'failed',
              ExitCode.Config,
              `environment "${env}": ${problems.length} rendered field(s) the Kubernetes API would refuse:\n${problems.join('\n')}`,
            );
      } catch (error) {
        if (!isDatakitError(error)) throw error;
        return check('failed', error.exitCode, `environment "${env}": ${error.message}`);
      }
    });
}
