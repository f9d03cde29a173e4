import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerEngine } from '@datakit/docker';
import { DockerError } from '@datakit/errors';
import { BASE_IMAGES } from './ensure-base-images.ts';
import { localInfra } from './environment.ts';
import { infraStatus, infraUp } from './local-infra.ts';
import { INFRA_LABEL } from './services.ts';

// These tests need `npm run infra:up` (the CI script runs it first). They prove each piece of
// the local infrastructure for real: no mocks, loopback only.
const infra = localInfra();
const engine = new DockerEngine();

describe('infra up', () => {
  it('is a no-op when everything already runs', async () => {
    const result = await infraUp();
    expect(result.baseImages).toEqual({ debian: 'present', node: 'present' });
    for (const service of Object.values(result.services)) {
      expect(service).toEqual({ image: 'unchanged', container: 'unchanged' });
    }
  });

  it('reports every service as answering', async () => {
    const status = await infraStatus();
    expect(status.engine.answering).toBe(true);
    expect(status.services.map((s) => [s.name, s.state, s.answering])).toEqual([
      ['registry', 'running', true],
      ['registry-basic', 'running', true],
      ['registry-token', 'running', true],
      ['postgres', 'running', true],
      ['kdc', 'running', true],
    ]);
  });

  it('runs every container on host networking, none on a bridge', async () => {
    const containers = await engine.listContainers({ [INFRA_LABEL]: 'true' });
    expect(containers.length).toBe(5);
    expect(new Set(containers.map((c) => c.networkMode))).toEqual(new Set(['host']));
  });
});

describe('an image built FROM the Node base, pushed, listed and run', () => {
  const repository = `test/infra-hello-${randomBytes(4).toString('hex')}`;
  const tag = '0.1.0';
  const ref = `${infra.registry.host}/${repository}:${tag}`;
  let context: string;
  let digest: string;

  beforeAll(() => {
    context = mkdtempSync(join(tmpdir(), 'datakit-hello-'));
    writeFileSync(
      join(context, 'Dockerfile'),
      [
        `FROM ${BASE_IMAGES.node}`,
        'COPY hello.mjs /app/hello.mjs',
        'USER node',
        'ENTRYPOINT ["node", "/app/hello.mjs"]',
      ].join('\n'),
    );
    writeFileSync(
      join(context, 'hello.mjs'),
      'console.log(JSON.stringify({ hello: "datakit", node: process.version, uid: process.getuid() }));\n',
    );
  });

  afterAll(async () => {
    rmSync(context, { recursive: true, force: true });
    await engine.removeImage(ref, true);
  });

  it('builds through the engine API', async () => {
    const lines: string[] = [];
    const { imageId } = await engine.buildImage({
      context,
      tags: [ref],
      onEvent: (event) => event.stream && lines.push(event.stream),
    });
    expect(imageId).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(lines.join('')).toContain(`FROM ${BASE_IMAGES.node}`);
  });

  it('pushes to the local registry and returns the manifest digest', async () => {
    ({ digest } = await engine.pushImage(ref));
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('lists the tag through the registry API', async () => {
    const response = await fetch(`${infra.registry.url}/v2/${repository}/tags/list`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ name: repository, tags: [tag] });
    const head = await fetch(`${infra.registry.url}/v2/${repository}/manifests/${tag}`, {
      method: 'HEAD',
      headers: {
        accept: [
          'application/vnd.oci.image.index.v1+json',
          'application/vnd.oci.image.manifest.v1+json',
          'application/vnd.docker.distribution.manifest.list.v2+json',
          'application/vnd.docker.distribution.manifest.v2+json',
        ].join(', '),
      },
    });
    expect(head.headers.get('docker-content-digest')).toBe(digest);
  });

  it('runs the image pulled back by digest and reads its output', async () => {
    await engine.removeImage(ref, true);
    const byDigest = `${infra.registry.host}/${repository}@${digest}`;
    await engine.pullImage(byDigest);
    const result = await engine.runContainer({ image: byDigest });
    expect(result.exitCode).toBe(0);
    const output = JSON.parse(result.stdout.trim()) as { hello: string; node: string; uid: number };
    expect(output.hello).toBe('datakit');
    expect(output.node).toMatch(/^v24\./);
    expect(output.uid).not.toBe(0);
    await engine.removeImage(byDigest, true);
  });

  it('reports a failing Dockerfile step with its output, though the stream ends with 200', async () => {
    const bad = mkdtempSync(join(tmpdir(), 'datakit-bad-'));
    try {
      writeFileSync(
        join(bad, 'Dockerfile'),
        `FROM ${BASE_IMAGES.debian}\nRUN echo checking the widget && exit 3\n`,
      );
      const error = await engine.buildImage({ context: bad, tags: ['datakit-test/bad:1'] }).then(
        () => undefined,
        (caught: unknown) => caught as DockerError,
      );
      expect(error).toBeInstanceOf(DockerError);
      expect(error?.message).toMatch(/returned a non-zero code: 3/);
      expect(error?.hint).toContain('RUN echo checking the widget && exit 3');
      expect(error?.hint).toContain('checking the widget');
    } finally {
      rmSync(bad, { recursive: true, force: true });
    }
  });
});

describe('PostgreSQL', () => {
  const connect = async (
    role: Parameters<typeof infra.postgres.connection>[0],
    database: string,
  ): Promise<pg.Client> => {
    const client = new pg.Client(infra.postgres.connection(role, database));
    await client.connect();
    return client;
  };

  it('serves the pagila source database to its reader', async () => {
    const client = await connect('pagila_reader', 'pagila');
    try {
      const { rows } = await client.query<{ films: string; rentals: string }>(
        'select (select count(*) from film) as films, (select count(*) from rental) as rentals',
      );
      expect(rows[0]).toEqual({ films: '1000', rentals: '16044' });
    } finally {
      await client.end();
    }
  });

  it('does not let the source reader write', async () => {
    const client = await connect('pagila_reader', 'pagila');
    try {
      await expect(client.query(`update film set title = title where film_id = 1`)).rejects.toThrow(
        /permission denied/,
      );
    } finally {
      await client.end();
    }
  });

  it('gives the loader an empty warehouse it can write, without superuser', async () => {
    const client = await connect('warehouse_loader', 'warehouse');
    try {
      const { rows } = await client.query<{ rolsuper: boolean }>(
        'select rolsuper from pg_roles where rolname = current_user',
      );
      expect(rows[0]?.rolsuper).toBe(false);
      await client.query('create schema if not exists infra_test');
      await client.query('create table infra_test.probe (id int primary key)');
      await client.query('insert into infra_test.probe values (1)');
      await client.query('drop schema infra_test cascade');
    } finally {
      await client.end();
    }
  });

  it('refuses a wrong password', async () => {
    const client = new pg.Client({
      ...infra.postgres.connection('warehouse_loader', 'warehouse'),
      password: 'not-the-password',
    });
    await expect(client.connect()).rejects.toThrow(/password authentication failed/);
  });
});

describe('Kerberos KDC', () => {
  const kinit = (principal: string, keytab: string, cache: string) =>
    spawnSync('kinit', ['-kt', keytab, principal], {
      encoding: 'utf8',
      env: { ...process.env, KRB5_CONFIG: infra.kerberos.krb5Config, KRB5CCNAME: `FILE:${cache}` },
    });

  it('issues a ticket for the service principal from its keytab', () => {
    const dir = mkdtempSync(join(tmpdir(), 'datakit-krb-'));
    try {
      const cache = join(dir, 'ccache');
      const principal = `datakit-loader@${infra.kerberos.realm}`;
      const result = kinit(principal, infra.kerberos.keytabs['datakit-loader'], cache);
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      const klist = spawnSync('klist', ['-c', `FILE:${cache}`], { encoding: 'utf8' });
      expect(klist.stdout).toContain(`Default principal: ${principal}`);
      expect(klist.stdout).toContain(`krbtgt/${infra.kerberos.realm}@${infra.kerberos.realm}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a keytab that belongs to another principal', () => {
    const dir = mkdtempSync(join(tmpdir(), 'datakit-krb-'));
    try {
      const result = kinit(
        `datakit-loader@${infra.kerberos.realm}`,
        infra.kerberos.keytabs['postgres/localhost'],
        join(dir, 'ccache'),
      );
      expect(result.status).not.toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('gives datakit-e2e tickets of 2 minutes, renewable for 10', () => {
    const dir = mkdtempSync(join(tmpdir(), 'datakit-krb-'));
    try {
      const cache = join(dir, 'ccache');
      const result = kinit(
        `datakit-e2e@${infra.kerberos.realm}`,
        infra.kerberos.keytabs['datakit-e2e'],
        cache,
      );
      expect(result.status, result.stderr).toBe(0);
      const klist = spawnSync('klist', ['-c', `FILE:${cache}`], {
        encoding: 'utf8',
        env: { ...process.env, LC_ALL: 'C', TZ: 'UTC' },
      });
      const time = String.raw`(\d\d)/(\d\d)/(\d\d) (\d\d:\d\d:\d\d)`;
      const match = new RegExp(`${time}  ${time}  krbtgt\\S+\\s+renew until ${time}`).exec(
        klist.stdout,
      );
      expect(match, klist.stdout).not.toBeNull();
      const at = (i: number) =>
        Date.parse(`20${match?.[i + 2]}-${match?.[i]}-${match?.[i + 1]}T${match?.[i + 3]}Z`);
      expect((at(5) - at(1)) / 1000).toBe(120);
      expect((at(9) - at(1)) / 1000).toBe(600);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('PostgreSQL with Kerberos (GSSAPI)', () => {
  const saved = { KRB5_CONFIG: process.env.KRB5_CONFIG, KRB5CCNAME: process.env.KRB5CCNAME };
  let dir: string;
  /** Logs in through libpq (pg-native), which speaks GSSAPI with the ticket cache. */
  const connectNative = async (user: string): Promise<pg.Client> => {
    const Native = pg.native?.Client;
    if (!Native) throw new Error('pg-native does not load on this machine');
    const client = new Native({ host: 'localhost', port: 5432, database: 'pagila', user });
    await client.connect();
    return client;
  };
  const kinitInto = (principal: string, keytab: string): void => {
    const result = spawnSync('kinit', ['-kt', keytab, principal], {
      encoding: 'utf8',
      env: { ...process.env, KRB5_CONFIG: infra.kerberos.krb5Config },
    });
    expect(result.status, result.stderr).toBe(0);
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'datakit-gss-'));
    process.env.KRB5_CONFIG = infra.kerberos.krb5Config;
  });

  afterAll(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('lets datakit-e2e read pagila as kerberos_reader with a ticket and no password', async () => {
    process.env.KRB5CCNAME = `FILE:${join(dir, 'e2e')}`;
    kinitInto(`datakit-e2e@${infra.kerberos.realm}`, infra.kerberos.keytabs['datakit-e2e']);
    const client = await connectNative('kerberos_reader');
    try {
      const { rows } = await client.query<{ user: string; films: string }>(
        'select current_user as user, count(*) as films from film',
      );
      expect(rows[0]).toEqual({ user: 'kerberos_reader', films: '1000' });
    } finally {
      await client.end();
    }
  });

  it('refuses kerberos_reader without a ticket', async () => {
    process.env.KRB5CCNAME = `FILE:${join(dir, 'none')}`;
    await expect(connectNative('kerberos_reader')).rejects.toThrow(/No Kerberos credentials/);
  });

  it('refuses the ticket of a principal the map does not name', async () => {
    process.env.KRB5CCNAME = `FILE:${join(dir, 'loader')}`;
    kinitInto(`datakit-loader@${infra.kerberos.realm}`, infra.kerberos.keytabs['datakit-loader']);
    await expect(connectNative('kerberos_reader')).rejects.toThrow(
      /GSSAPI authentication failed for user "kerberos_reader"/,
    );
  });

  it('gives kerberos_reader no password at all', async () => {
    const client = new pg.Client(infra.postgres.connection('datakit_admin', 'postgres'));
    await client.connect();
    try {
      const { rows } = await client.query<{ password: boolean; login: boolean }>(
        `select rolpassword is not null as password, rolcanlogin as login
           from pg_authid where rolname = 'kerberos_reader'`,
      );
      expect(rows).toEqual([{ password: false, login: true }]);
    } finally {
      await client.end();
    }
  });
});
