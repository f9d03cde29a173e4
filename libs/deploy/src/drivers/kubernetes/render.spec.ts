import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
// Deep import: the typed models' serializer keeps only the fields the API defines.
import { ObjectSerializer } from '@kubernetes/client-node/dist/gen/models/ObjectSerializer.js';
import type { V1ConfigMap, V1CronJob, V1PodSpec } from '@kubernetes/client-node';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { CronJob } from 'kubernetes-models/batch/v1/CronJob';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { ConfigError } from '@datakit/errors';
import { parseSecretRef } from '@datakit/secrets';
import type { DesiredState } from '../../desired-state.ts';
import { EXAMPLE_WAREHOUSES, exampleState, exampleStateWithoutKerberos } from './_fixture-state.ts';
import { ANNOTATIONS, ON_DEMAND_SCHEDULE } from './config.ts';
import { renderManifests, renderYaml } from './render.ts';

const FIXTURES = join(import.meta.dirname, '__fixtures__');

const cronJobs = (state: DesiredState): V1CronJob[] =>
  renderManifests(state).filter((m): m is V1CronJob => m.kind === 'CronJob');
const podOf = (cronJob: V1CronJob): V1PodSpec => cronJob.spec!.jobTemplate.spec!.template.spec!;
const errorOf = (fn: () => unknown): ConfigError => {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
};

describe.each(EXAMPLE_WAREHOUSES)('the prod manifests of the %s warehouse', (warehouse) => {
  const state = exampleState(warehouse);

  it('match the golden file (DATAKIT_UPDATE_GOLDEN=1 rewrites it)', () => {
    const golden = join(FIXTURES, warehouse, 'prod.yaml');
    const yaml = renderYaml(state);
    if (process.env.DATAKIT_UPDATE_GOLDEN === '1') writeFileSync(golden, yaml);
    expect(existsSync(golden), `${golden} is missing; run with DATAKIT_UPDATE_GOLDEN=1`).toBe(true);
    expect(yaml).toBe(readFileSync(golden, 'utf8'));
  });

  it('validate against the Kubernetes API schemas', () => {
    for (const manifest of renderManifests(state)) {
      const model =
        manifest.kind === 'CronJob'
          ? new CronJob(manifest as ConstructorParameters<typeof CronJob>[0])
          : new ConfigMap(manifest as ConstructorParameters<typeof ConfigMap>[0]);
      expect(() => model.validate()).not.toThrow();
    }
  });

  it('hold no field the Kubernetes API does not define', () => {
    for (const manifest of renderManifests(state)) {
      const type = manifest.kind === 'CronJob' ? 'V1CronJob' : 'V1ConfigMap';
      const kept = JSON.parse(
        JSON.stringify(ObjectSerializer.serialize(manifest, type, '')),
      ) as unknown;
      expect(kept).toEqual(manifest);
    }
  });

  it('parse back from the YAML to the same objects', () => {
    const documents = parseAllDocuments(renderYaml(state));
    expect(Array.isArray(documents) ? documents.map((d) => d.toJS()) : []).toEqual(
      renderManifests(state),
    );
  });
});

describe('the schema checks', () => {
  it('reject a CronJob with an invalid field value', () => {
    const cronJob = cronJobs(exampleState('analytics'))[0]!;
    const broken = { ...cronJob, spec: { ...cronJob.spec!, concurrencyPolicy: 'Never' } };
    expect(() =>
      new CronJob(broken as ConstructorParameters<typeof CronJob>[0]).validate(),
    ).toThrow();
  });

  it('drop a field the Kubernetes API does not define', () => {
    const configMap = renderManifests(exampleState('analytics'))[0]!;
    const broken = { ...configMap, metadata: { ...configMap.metadata, label: {} } };
    expect(ObjectSerializer.serialize(broken, 'V1ConfigMap', '')).not.toEqual(broken);
  });
});

describe('renderManifests', () => {
  it('renders the same YAML twice for the same state', () => {
    expect(renderYaml(exampleState('marketing'))).toBe(renderYaml(exampleState('marketing')));
  });

  it('renders a ConfigMap then a CronJob per pinned datakit, in datakit name order', () => {
    expect(
      renderManifests(exampleState('marketing')).map((m) => `${m.kind}/${m.metadata!.name}`),
    ).toEqual([
      'ConfigMap/marketing-hello-config',
      'CronJob/marketing-hello',
      'ConfigMap/marketing-pagila-bronze-config',
      'CronJob/marketing-pagila-bronze',
    ]);
  });

  it('runs the sidecar as a native sidecar whose startup probe waits for the ready file', () => {
    const sidecar = podOf(cronJobs(exampleState('analytics'))[0]!).initContainers![0]!;
    expect(sidecar.restartPolicy).toBe('Always');
    expect(sidecar.startupProbe?.exec?.command).toEqual([
      'test',
      '-f',
      '/var/run/datakit/krb5/ready',
    ]);
    expect(sidecar.env).toContainEqual({
      name: 'SIDECAR_READY_FILE',
      value: '/var/run/datakit/krb5/ready',
    });
  });

  it('shares the ticket cache in memory, writable for the sidecar and read-only for the datakit', () => {
    const pod = podOf(cronJobs(exampleState('analytics'))[0]!);
    expect(pod.volumes).toContainEqual({
      name: 'krb5-ticket-cache',
      emptyDir: { medium: 'Memory', sizeLimit: '1Mi' },
    });
    const mountOf = (mounts: { name: string; readOnly?: boolean }[] | undefined) =>
      mounts?.find((m) => m.name === 'krb5-ticket-cache');
    expect(mountOf(pod.initContainers![0]!.volumeMounts)?.readOnly).toBeUndefined();
    expect(mountOf(pod.containers[0]!.volumeMounts)?.readOnly).toBe(true);
    expect(pod.containers[0]!.env).toContainEqual({
      name: 'KRB5CCNAME',
      value: 'FILE:/var/run/datakit/krb5/ccache',
    });
  });

  it('references images by digest only', () => {
    const pod = podOf(cronJobs(exampleState('finance'))[0]!);
    for (const container of [...pod.initContainers!, ...pod.containers]) {
      expect(container.image).toMatch(/@sha256:[0-9a-f]{64}$/);
    }
  });

  it('suspends a datakit without a schedule behind a schedule that never fires', () => {
    const hello = cronJobs(exampleState('marketing')).find(
      (c) => c.metadata!.name === 'marketing-hello',
    )!;
    expect(hello.spec).toMatchObject({ schedule: ON_DEMAND_SCHEDULE, suspend: true });
    expect(hello.metadata!.annotations![ANNOTATIONS.schedule]).toBe('none');
  });

  it('uses the environment schedule over the pin schedule', () => {
    expect(cronJobs(exampleState('analytics'))[0]!.spec).toMatchObject({
      schedule: '15 2 * * *',
      suspend: false,
      concurrencyPolicy: 'Forbid',
    });
  });

  it('mounts only the keytab into the sidecar and only the passwords into the datakit', () => {
    const pod = podOf(cronJobs(exampleState('analytics'))[0]!);
    const itemsOf = (name: string) =>
      pod.volumes!.find((v) => v.name === name)?.secret?.items?.map((i) => i.key);
    expect(itemsOf('sidecar-datakit')).toEqual(['datakit-loader.keytab']);
    expect(itemsOf('datakit-datakit')).toEqual([
      'pagila_reader.password',
      'warehouse_loader.password',
    ]);
  });

  it('mounts the Delinea credentials into the sidecar when the keytab comes from Delinea', () => {
    const sidecar = podOf(cronJobs(exampleState('finance'))[0]!).initContainers![0]!;
    expect(sidecar.env).toContainEqual({ name: 'SIDECAR_KEYTAB', value: 'delinea:4711/keytab' });
    expect(sidecar.volumeMounts).toContainEqual({
      name: 'sidecar-delinea',
      mountPath: '/run/secrets/delinea',
      readOnly: true,
    });
  });

  it('reads the keytab from the keytabSecret of the environment when it has one', () => {
    const state = exampleState('finance');
    const withSecret: DesiredState = {
      ...state,
      environment: { ...state.environment, keytabSecret: 'finance-keytab' } as never,
    };
    const pod = podOf(cronJobs(withSecret)[0]!);
    expect(pod.initContainers![0]!.env).toContainEqual({
      name: 'SIDECAR_KEYTAB',
      value: 'file:/run/secrets/finance-keytab/keytab',
    });
    expect(pod.volumes).toContainEqual({
      name: 'sidecar-finance-keytab',
      secret: {
        secretName: 'finance-keytab',
        items: [{ key: 'keytab', path: 'keytab' }],
        defaultMode: 0o440,
      },
    });
  });

  it("names the prod environment's hosts and principal, not the local ones (render analytics --env prod)", () => {
    const yaml = renderYaml(exampleState('analytics', 'prod'));
    expect(yaml).toContain('"host": "pagila-prod.corp.example"');
    expect(yaml).toContain('"host": "pg-prod.corp.example"');
    expect(yaml).toContain('value: datakit-loader@CORP.EXAMPLE');
    expect(yaml).not.toContain('127.0.0.1');
    expect(yaml).not.toContain('DATAKIT.TEST');
    for (const warehouse of EXAMPLE_WAREHOUSES) {
      expect(renderYaml(exampleState(warehouse, 'prod'))).not.toMatch(/127\.0\.0\.1|localhost/);
    }
  });

  it("writes the target schema of a pin into its config (finance: the ledger connection's schema)", () => {
    const configMap = renderManifests(exampleState('finance'))[0] as V1ConfigMap;
    const config = JSON.parse(configMap.data!['config.json']!) as Record<string, unknown>;
    expect(config.targetSchema).toBe('finance');
  });

  it('keeps secret references, never values, in the ConfigMap', () => {
    const configMap = renderManifests(exampleState('analytics'))[0] as V1ConfigMap;
    const config = JSON.parse(configMap.data!['config.json']!) as {
      source: { password: string };
    };
    expect(config.source.password).toBe('file:/run/secrets/datakit/pagila_reader.password');
  });

  it('refuses env: and unmountable file: references, listing every one', () => {
    const state = exampleState('analytics');
    const job = state.jobs[0]!;
    const broken: DesiredState = {
      ...state,
      sidecar: { ...state.sidecar!, keytab: 'env:KEYTAB' },
      jobs: [
        {
          ...job,
          config: {
            ...job.config,
            source: { ...job.config.source, password: parseSecretRef('env:PG_PASSWORD') },
            target: {
              ...job.config.target,
              password: parseSecretRef('file:/etc/passwords/loader'),
            },
          } as never,
        },
      ],
    };
    // The sidecar's references are checked first; fix them and the datakit's show.
    expect(errorOf(() => renderManifests(broken)).message).toMatchInlineSnapshot(`
      "The warehouse "analytics" has secret references that cannot be mounted in Kubernetes (environment "prod"):
        kerberos.keytab: "env:KEYTAB" cannot be used in Kubernetes: a pod has no such variable; use file:/run/secrets/<secret>/<key> for key <key> of the Secret <secret>"
    `);
    expect(errorOf(() => renderManifests({ ...broken, sidecar: state.sidecar })).message)
      .toMatchInlineSnapshot(`
      "The warehouse "analytics" has secret references that cannot be mounted in Kubernetes (environment "prod"):
        datakits.pagila-bronze.source (password): "env:PG_PASSWORD" cannot be used in Kubernetes: a pod has no such variable; use file:/run/secrets/<secret>/<key> for key <key> of the Secret <secret>
        datakits.pagila-bronze.target (password): "file:/etc/passwords/loader" is not of the form file:/run/secrets/<secret>/<key>"
    `);
  });

  it('refuses an environment of the Docker driver', () => {
    expect(
      errorOf(() => renderManifests(exampleState('analytics', 'local'))).message,
    ).toMatchInlineSnapshot(
      `"The environment "local" of the warehouse "analytics" uses the docker driver, not kubernetes."`,
    );
  });
});

describe('the manifests of a warehouse without a kerberos block', () => {
  const [configMap, cronJob] = renderManifests(exampleStateWithoutKerberos('analytics')) as [
    V1ConfigMap,
    V1CronJob,
  ];
  const pod = cronJob.spec!.jobTemplate.spec!.template.spec!;

  it('run no sidecar and keep no ticket cache', () => {
    expect(pod.initContainers).toBeUndefined();
    // The config, /tmp and the datakit's own password Secrets: no ticket cache, no keytab.
    const volumes = pod.volumes?.map((v) => v.name) ?? [];
    expect(volumes.slice(0, 2)).toEqual(['datakit-config', 'tmp']);
    expect(volumes.slice(2).every((name) => name.startsWith('datakit-'))).toBe(true);
    const [datakit] = pod.containers;
    expect(datakit?.env?.map((e) => e.name)).toEqual(['DATAKIT_CONFIG']);
    expect(datakit?.volumeMounts?.map((m) => m.mountPath)).not.toContain('/var/run/datakit/krb5');
  });

  it('validate against the Kubernetes API schemas', () => {
    expect(() => new ConfigMap(configMap as never).validate()).not.toThrow();
    expect(() => new CronJob(cronJob as never).validate()).not.toThrow();
  });
});
