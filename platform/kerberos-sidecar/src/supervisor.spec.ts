import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SecretValue, type SecretProvider } from '@datakit/secrets';
import { parseSidecarConfig } from './config.ts';
import { KerberosFailure, type KerberosTools } from './kerberos-tools.ts';
import type { SidecarEvent } from './log-event.ts';
import { createSupervisor } from './supervisor.ts';

const HOUR = 3_600_000;
let dir: string;
let events: Array<{ event: SidecarEvent; fields: Record<string, unknown> }>;
/** Mode of the keytab file while the fake kinit read it, and its path. */
let keytabSeen: { path: string; mode: number } | undefined;

const provider: SecretProvider = {
  kind: 'file',
  get: () =>
    Promise.resolve(new SecretValue('file:/run/secrets/keytab', Buffer.from('KEYTAB-BYTES'))),
};

function fakeTools(initialiseFails?: KerberosFailure): KerberosTools {
  return {
    initialise: (keytabPath, cache) => {
      keytabSeen = { path: keytabPath, mode: statSync(keytabPath).mode & 0o777 };
      if (initialiseFails) return Promise.reject(initialiseFails);
      writeFileSync(cache.slice('FILE:'.length), 'CACHE', { mode: 0o600 });
      const now = Date.now();
      return Promise.resolve({
        principal: 'p@R',
        startsAt: now,
        expiresAt: now + 10 * HOUR,
        renewUntil: now + 20 * HOUR,
      });
    },
    renew: () => Promise.reject(new Error('not used')),
    inspect: () => Promise.resolve(undefined),
    destroy: () => Promise.resolve(true),
  };
}

function supervisor(tools: KerberosTools) {
  const config = parseSidecarConfig(
    {},
    {
      SIDECAR_PRINCIPAL: 'p@R',
      SIDECAR_KEYTAB: 'file:/run/secrets/keytab',
      SIDECAR_CCACHE: `FILE:${join(dir, 'shared', 'ccache')}`,
      SIDECAR_READY_FILE: join(dir, 'shared', 'ready'),
      SIDECAR_CACHE_UID: String(process.getuid?.()),
      SIDECAR_CACHE_GID: String(process.getgid?.()),
    },
  );
  return createSupervisor(config, join(dir, 'private'), {
    tools,
    provider,
    log: (event, fields = {}) => events.push({ event, fields }),
    now: Date.now,
  });
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sidecar-supervisor-'));
  const { mkdirSync } = await import('node:fs');
  mkdirSync(join(dir, 'shared'));
  mkdirSync(join(dir, 'private'), { mode: 0o700 });
  events = [];
  keytabSeen = undefined;
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('createSupervisor', () => {
  it('hands kinit a keytab file of mode 0400 and deletes it afterwards', async () => {
    await supervisor(fakeTools()).obtainOnce();
    expect(keytabSeen?.mode).toBe(0o400);
    expect(existsSync(keytabSeen?.path ?? '')).toBe(false);
  });

  it('deletes the keytab even when kinit fails', async () => {
    const failing = fakeTools(new KerberosFailure('kdc-unreachable', 'Cannot contact any KDC'));
    await expect(supervisor(failing).obtainOnce()).rejects.toThrow('Cannot contact any KDC');
    expect(existsSync(keytabSeen?.path ?? '')).toBe(false);
  });

  it('publishes the cache readable by its owner only', async () => {
    await supervisor(fakeTools()).obtainOnce();
    const shared = join(dir, 'shared', 'ccache');
    expect(readFileSync(shared, 'utf8')).toBe('CACHE');
    expect(statSync(shared).mode & 0o777).toBe(0o600);
  });

  it('writes the readiness file once the first ticket is in the cache', async () => {
    const controller = new AbortController();
    const running = supervisor(fakeTools()).run(controller.signal);
    const ready = join(dir, 'shared', 'ready');
    for (let i = 0; i < 50 && !existsSync(ready); i++) await sleep(20);
    controller.abort();
    await running;
    expect(JSON.parse(readFileSync(ready, 'utf8'))).toMatchObject({
      ready: true,
      principal: 'p@R',
    });
    expect(events.map((e) => e.event)).toEqual(['obtained', 'ready']);
  });

  it('stays unready and logs the reason when kinit fails', async () => {
    const controller = new AbortController();
    const failing = fakeTools(new KerberosFailure('wrong-keytab', 'Preauthentication failed'));
    const sup = supervisor(failing);
    const running = sup.run(controller.signal);
    for (let i = 0; i < 50 && events.length === 0; i++) await sleep(20);
    controller.abort();
    await running;
    expect(events[0]).toMatchObject({ event: 'failure', fields: { reason: 'wrong-keytab' } });
    expect(sup.report()).toMatchObject({ ready: false, reason: 'wrong-keytab' });
    expect(existsSync(join(dir, 'shared', 'ready'))).toBe(false);
  });

  it('never logs the keytab bytes', async () => {
    await supervisor(fakeTools()).obtainOnce();
    expect(JSON.stringify(events)).not.toContain('KEYTAB-BYTES');
  });
});
