import { Flags } from '@oclif/core';
import { writeFileSync } from 'node:fs';
import { renderYaml } from '@datakit/deploy';
import { ConfigError } from '@datakit/errors';
import { findWarehouse, stateOf, warehouseArg } from '../_deploy.ts';
import { DatakitCommand } from '../_render.ts';

export default class Render extends DatakitCommand {
  static override summary =
    'Print the Kubernetes manifests of a warehouse environment, for GitOps.';
  static override description =
    'One ConfigMap and one CronJob per pinned datakit, the Kerberos sidecar as a native sidecar (init container with restartPolicy: Always and a startup probe that passes only with a valid ticket), the ticket cache in an in-memory emptyDir, images by digest, Secret references only. Deterministic: the same warehouse.yaml and lock give the same bytes.';
  static override examples = [
    '<%= config.bin %> render analytics --env prod',
    '<%= config.bin %> render finance --env prod --output deploy/finance.yaml',
  ];
  static override args = warehouseArg;
  static override flags = {
    env: Flags.string({
      description: 'A kubernetes environment of warehouse.yaml.',
      default: 'prod',
      char: 'e',
    }),
    output: Flags.string({ description: 'Write to this file instead of stdout.', char: 'o' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Render);
    const state = stateOf(findWarehouse(args.warehouse), flags.env);
    if (state.environment.driver !== 'kubernetes') {
      throw new ConfigError(
        `Environment "${flags.env}" of ${args.warehouse} uses the ${state.environment.driver} driver; render is for kubernetes environments.`,
      );
    }
    const yaml = renderYaml(state);
    if (flags.output) writeFileSync(flags.output, yaml);
    else process.stdout.write(yaml);
  }
}
