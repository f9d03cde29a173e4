import { Flags } from '@oclif/core';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import {
  environmentState,
  renderAirflowDags,
  renderYaml,
  targetTablesOfSpec,
} from '@datakit/deploy';
import { ConfigError, EnvironmentError, RegistryError } from '@datakit/errors';
import { LABELS } from '@datakit/images';
import type { LoadedWarehouse } from '@datakit/warehouse';
import { findWarehouse, sidecarRequest, warehouseArg } from '../_deploy.ts';
import { pinRegistryOf } from '../_pins.ts';
import { DatakitCommand } from '../_render.ts';

export default class Render extends DatakitCommand {
  static override summary =
    'Print the Kubernetes manifests of a warehouse environment for GitOps, or write its Airflow DAG folder.';
  static override description =
    'YAML (the default): one ConfigMap and one CronJob per pinned datakit, the Kerberos sidecar as a native sidecar (init container with restartPolicy: Always and a startup probe that passes only with a valid ticket), the ticket cache in an in-memory emptyDir, images by digest, Secret references only; with `scheduler: airflow` the ConfigMaps only. `--format airflow --out <dir>`: the DAG folder of the environment (the datakit_airflow package, .airflowignore and one DAG file): a KubernetesPodOperator running the same pod (Kubernetes) or a DockerOperator next to the sidecar `datakit deploy` started (Docker) per pinned datakit, on its schedule. Deterministic: the same warehouse.yaml and lock give the same bytes.';
  static override examples = [
    '<%= config.bin %> render analytics --env prod',
    '<%= config.bin %> render finance --env prod --output deploy/finance.yaml',
    '<%= config.bin %> render analytics --env prod --format airflow --out airflow/dags',
    '<%= config.bin %> render analytics --env local --format airflow --out airflow/dags',
  ];
  static override args = warehouseArg;
  static override flags = {
    env: Flags.string({
      description: 'An environment of warehouse.yaml (kubernetes for yaml; any for airflow).',
      default: 'prod',
      char: 'e',
    }),
    format: Flags.string({
      description: 'yaml: Kubernetes manifests; airflow: a DAG folder (needs --out).',
      options: ['yaml', 'airflow'],
      default: 'yaml',
    }),
    out: Flags.string({
      description: 'The DAG folder to write (--format airflow); created if missing.',
    }),
    'table-assets': Flags.boolean({
      description:
        "Also declare each target table as an asset, read from the pinned images' spec labels (the registry must answer).",
      default: false,
    }),
    output: Flags.string({ description: 'Write to this file instead of stdout.', char: 'o' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Render);
    const loaded = findWarehouse(args.warehouse);
    const state = environmentState(loaded, flags.env, { sidecar: sidecarRequest() });
    if (flags.format === 'airflow') {
      if (flags.out === undefined) {
        throw new ConfigError(
          'render --format airflow writes a DAG folder and needs --out <dir>.',
          {
            hint: `For example: datakit render ${args.warehouse} --env ${flags.env} --format airflow --out airflow/dags`,
          },
        );
      }
      const targetTables = flags['table-assets']
        ? await targetTablesOf(loaded, flags.env, state.jobs)
        : undefined;
      const folder = renderAirflowDags(state, targetTables ? { targetTables } : {});
      const out = resolve(flags.out);
      for (const [path, text] of Object.entries(folder.files)) {
        mkdirSync(dirname(join(out, path)), { recursive: true });
        writeFileSync(join(out, path), text);
        this.progress(`wrote ${join(out, path)}`);
      }
      return;
    }
    if (state.environment.driver !== 'kubernetes') {
      throw new ConfigError(
        `Environment "${flags.env}" of ${args.warehouse} uses the ${state.environment.driver} driver; render --format yaml is for kubernetes environments.`,
        { hint: 'Docker environments can be scheduled by Airflow: --format airflow --out <dir>.' },
      );
    }
    const yaml = renderYaml(state);
    if (flags.output) writeFileSync(flags.output, yaml);
    else process.stdout.write(yaml);
  }
}

/** The target tables of each pin, from its image's spec label in the environment's registry. */
async function targetTablesOf(
  loaded: LoadedWarehouse,
  env: string,
  jobs: readonly { datakit: string; digest: string }[],
): Promise<Record<string, string[]>> {
  const registry = pinRegistryOf(loaded, env);
  const tables: Record<string, string[]> = {};
  for (const job of jobs) {
    try {
      const labels = await registry.client.labels(job.datakit, job.digest);
      tables[job.datakit] = targetTablesOfSpec(labels[LABELS.spec] ?? '');
    } catch (error) {
      if (!(error instanceof RegistryError)) throw error;
      throw new EnvironmentError(
        `The spec label of ${job.datakit}@${job.digest} cannot be read from ${registry.host} (${registry.field} of ${registry.file}): ${error.message}`,
        {
          cause: error,
          hint: 'Start or reach the registry, or render without --table-assets (each task then declares its datakit asset only).',
        },
      );
    }
  }
  return tables;
}
