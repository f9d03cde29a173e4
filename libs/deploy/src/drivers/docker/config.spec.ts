import { describe, expect, it } from 'vitest';
import { ConfigError, ExitCode } from '@datakit/errors';
import type { DesiredState } from '../../desired-state.ts';
import { exampleState, exampleStateWithoutKerberos } from '../kubernetes/_fixture-state.ts';
import { CONTAINER_PATHS } from '@datakit/warehouse';
import { hostPaths, jobSpec, sidecarSpec } from './config.ts';

/** An example warehouse's local (Docker) state, its host paths under a fixed folder. */
function localState(warehouse: string): DesiredState {
  return { ...exampleState(warehouse, 'local'), dir: `/srv/datakit/warehouses/${warehouse}` };
}

const targets = (spec: { mounts?: { target: string }[] }) =>
  (spec.mounts ?? []).map((m) => m.target);

describe('Docker containers get only the secret files they use', () => {
  it("mounts a job's own connection passwords, one read-only file each, and never the keytab", () => {
    const state = localState('analytics');
    const spec = jobSpec(state, state.jobs[0]!, hostPaths(state));
    expect(spec.mounts).toEqual([
      {
        source: expect.stringMatching(
          /^\/srv\/datakit\/warehouses\/analytics\/\.datakit\/local\/pagila-bronze\.config\.[0-9a-f]{12}\.json$/,
        ),
        target: CONTAINER_PATHS.configFile,
        readOnly: true,
      },
      {
        source: '/srv/datakit/.infra/secrets/datakit/pagila_reader.password',
        target: '/run/secrets/datakit/pagila_reader.password',
        readOnly: true,
      },
      {
        source: '/srv/datakit/.infra/secrets/datakit/warehouse_loader.password',
        target: '/run/secrets/datakit/warehouse_loader.password',
        readOnly: true,
      },
      {
        source: '/srv/datakit/.infra/kerberos/krb5.conf',
        target: '/etc/datakit/krb5.conf',
        readOnly: true,
      },
    ]);
    expect(spec.binds).toEqual(['datakit-analytics-local-krb5:/var/run/datakit/krb5:ro']);
  });

  it('gives a job whose source logs in with Kerberos only the password it uses', () => {
    // finance's production source logs in with Kerberos; its local environment overrides that.
    const local = localState('finance');
    const job = local.jobs[0]!;
    const state: DesiredState = {
      ...local,
      jobs: [
        {
          ...job,
          config: { ...job.config, source: exampleState('finance', 'prod').jobs[0]!.config.source },
        },
      ],
    };
    const spec = jobSpec(state, state.jobs[0]!, hostPaths(state));
    expect(targets(spec).filter((t) => t.startsWith('/run/secrets/'))).toEqual([
      '/run/secrets/datakit/warehouse_loader.password',
    ]);
  });

  it('gives the sidecar the keytab only, never a connection password', () => {
    const state = localState('analytics');
    const spec = sidecarSpec(state, hostPaths(state))!;
    expect(targets(spec)).toEqual([
      '/run/secrets/datakit/datakit-loader.keytab',
      '/etc/datakit/krb5.conf',
    ]);
    expect(spec.env).toMatchObject({
      SIDECAR_KEYTAB: 'file:/run/secrets/datakit/datakit-loader.keytab',
      SIDECAR_KRB5_CONFIG: '/etc/datakit/krb5.conf',
    });
  });

  it("mounts krb5ConfigFile at the driver's own path, not over the image's kerberos.krb5Config", () => {
    const state = localState('analytics');
    expect(state.sidecar?.krb5Config).toBe('/etc/krb5.conf');
    const spec = jobSpec(state, state.jobs[0]!, hostPaths(state));
    expect(targets(spec)).not.toContain('/etc/krb5.conf');
    expect(spec.env?.KRB5_CONFIG).toBe('/etc/datakit/krb5.conf');
  });

  it('points KRB5_CONFIG at kerberos.krb5Config when the environment mounts no krb5.conf', () => {
    const state = localState('analytics');
    const env = { ...state.environment, krb5ConfigFile: undefined };
    const without = { ...state, environment: env } as DesiredState;
    const spec = jobSpec(without, without.jobs[0]!, hostPaths(without));
    expect(spec.env?.KRB5_CONFIG).toBe('/etc/krb5.conf');
    expect(targets(spec)).not.toContain('/etc/datakit/krb5.conf');
  });
});

describe('Docker secret references that cannot be mounted are refused, naming the field', () => {
  const refusal = (run: () => unknown): ConfigError => {
    try {
      run();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).exitCode).toBe(ExitCode.Config);
      return error as ConfigError;
    }
    throw new Error('expected a ConfigError');
  };

  it.each([
    ['/app/main.mjs'],
    ['/run/secrets/datakit/../../../app/main.mjs'],
    ['/run/secrets/datakit/'],
    ['/etc/shadow'],
  ])('refuses a password file:%s', (path) => {
    const state = localState('analytics');
    const job = state.jobs[0]!;
    const hostile = {
      ...job,
      config: { ...job.config, source: { ...job.config.source, password: { kind: 'file', path } } },
    } as typeof job;
    const error = refusal(() => jobSpec(state, hostile, hostPaths(state)));
    expect(error.message).toContain(
      `datakits.pagila-bronze.source (password): "file:${path}" is not a file below /run/secrets/datakit/`,
    );
  });

  it('refuses Delinea credentials outside the secrets folder for the sidecar', () => {
    // finance's production keytab comes from Delinea, whose credentials file is
    // /run/secrets/delinea/...; here a Docker environment takes it.
    const local = localState('finance');
    const prod = exampleState('finance', 'prod');
    const state: DesiredState = {
      ...local,
      sidecar: { ...local.sidecar!, keytab: prod.sidecar!.keytab, delinea: prod.delinea },
      delinea: prod.delinea,
    };
    const error = refusal(() => sidecarSpec(state, hostPaths(state)));
    expect(error.message).toContain(
      'secrets.delinea.credentialsFile: "file:/run/secrets/delinea/credentials.json" is not a file below /run/secrets/datakit/',
    );
  });
});

describe('Docker containers are confined like the Kubernetes pods', () => {
  const confined = {
    readOnlyRootFilesystem: true,
    capDrop: ['ALL'],
    securityOpt: ['no-new-privileges'],
  };

  it('runs a job as the non-root datakit user, read-only, without capabilities, with the default limits', () => {
    const state = localState('analytics');
    const spec = jobSpec(state, state.jobs[0]!, hostPaths(state));
    expect(spec.user).toBe('10001:10001');
    expect(spec.hardening).toEqual({
      ...confined,
      memoryBytes: 2 ** 30,
      pidsLimit: 256,
      restartPolicy: 'no',
    });
    expect(spec.tmpfs).toEqual({ '/tmp': 'size=256m,mode=1777' });
  });

  it("takes a job's memory and process limits from the environment's limits", () => {
    const state = localState('analytics');
    const environment = { ...state.environment, limits: { memory: '512Mi', pids: 100 } };
    const limited = { ...state, environment } as DesiredState;
    const spec = jobSpec(limited, limited.jobs[0]!, hostPaths(limited));
    expect(spec.hardening).toMatchObject({ memoryBytes: 512 * 2 ** 20, pidsLimit: 100 });
  });

  it('runs the sidecar confined too, restarted by the engine until it is removed', () => {
    const state = localState('analytics');
    const spec = sidecarSpec(state, hostPaths(state))!;
    expect(spec.user).toBe('10001:10001');
    expect(spec.hardening).toEqual({
      ...confined,
      memoryBytes: 128 * 2 ** 20,
      pidsLimit: 64,
      restartPolicy: 'unless-stopped',
    });
    expect(Object.keys(spec.tmpfs ?? {})).toEqual(['/dev/shm', '/tmp']);
  });
});

describe('a warehouse without a kerberos block on Docker', () => {
  const state = {
    ...exampleStateWithoutKerberos('analytics', 'local'),
    dir: '/srv/datakit/warehouses/analytics',
  };

  it('has no sidecar container', () => {
    expect(sidecarSpec(state, hostPaths(state))).toBeUndefined();
  });

  it('gives jobs no ticket cache, no KRB5CCNAME and no krb5.conf, only their config and passwords', () => {
    const spec = jobSpec(state, state.jobs[0]!, hostPaths(state));
    expect(spec.env).toEqual({ DATAKIT_CONFIG: CONTAINER_PATHS.configFile });
    expect(spec.binds).toEqual([]);
    expect(targets(spec)).toEqual([
      CONTAINER_PATHS.configFile,
      '/run/secrets/datakit/pagila_reader.password',
      '/run/secrets/datakit/warehouse_loader.password',
    ]);
  });
});
