import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { localInfra } from '@datakit/local-infra';
import { createRegistryClient } from '@datakit/registry';
import { describe, expect, it } from 'vitest';

// The real `datakit` binary against the registry of `npm run infra:up`.
const bin = join(import.meta.dirname, '..', 'bin', 'run.js');
const datakit = (...args: string[]) =>
  spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    env: { ...process.env, CI: 'true' },
  });

describe('datakit CLI', () => {
  it('lists every topic and command in --help', () => {
    const help = datakit('--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('images');
    expect(help.stdout).toContain('registry');
    const registry = datakit('registry', '--help');
    for (const command of ['copy', 'inspect', 'ls', 'tags'])
      expect(registry.stdout).toContain(`registry ${command}`);
  });

  it('builds the hello datakit reproducibly and reports its digest as JSON', () => {
    const first = datakit('images', 'build', 'hello', '--json');
    const second = datakit('images', 'build', 'hello', '--json');
    expect(first.status, first.stderr).toBe(0);
    const a = JSON.parse(first.stdout) as { digest: string; kind: string; reference: string };
    const b = JSON.parse(second.stdout) as { digest: string };
    expect(a.kind).toBe('datakit');
    expect(a.reference).toMatch(/^127\.0\.0\.1:5000\/hello:\d+\.\d+\.\d+@sha256:/);
    expect(b.digest).toBe(a.digest);
  });

  it('pushes hello, and a second push sends nothing', async () => {
    // The local registry outlives test runs of other commits: a hello of this version pushed
    // from another tree (another digest) would make the push refuse, rightly. Start clean.
    const built = JSON.parse(datakit('images', 'build', 'hello', '--json').stdout) as {
      digest: string;
      reference: string;
    };
    const version = /:([^:@]+)@/.exec(built.reference)?.[1] ?? '';
    const registry = createRegistryClient({ url: localInfra().registry.url });
    const there = await registry.resolve('hello', version).catch(() => undefined);
    if (there !== undefined && there !== built.digest)
      await registry.deleteManifest('hello', there);

    const first = datakit('images', 'push', 'hello', '--allow-dirty');
    expect(first.status, first.stderr).toBe(0);
    const again = datakit('images', 'push', 'hello', '--allow-dirty', '--json');
    expect(again.status, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ outcome: 'unchanged', bytesUploaded: 0 });
  });

  it('shows tags newest first and inspects a version without running it', () => {
    const tags = JSON.parse(datakit('registry', 'tags', 'hello', '--json').stdout) as {
      tags: string[];
    };
    expect(tags.tags.length).toBeGreaterThan(0);
    const [newest] = tags.tags;
    const inspect = datakit('registry', 'inspect', `hello@${newest}`, '--json');
    expect(inspect.status, inspect.stderr).toBe(0);
    const result = JSON.parse(inspect.stdout) as {
      digest: string;
      labels: Record<string, string>;
      size: number;
    };
    expect(result.digest).toMatch(/^sha256:/);
    expect(result.size).toBeGreaterThan(0);
    expect(result.labels['org.opencontainers.image.title']).toBe('hello');
  });

  it('names the registry URL and exits non-zero when the registry is down, without a stack trace', () => {
    const result = datakit('registry', 'ls', '--registry', '127.0.0.1:1');
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('http://127.0.0.1:1');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('refuses an unknown project with exit code 2, listing where it looked', () => {
    const result = datakit('images', 'build', 'no-such-datakit');
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('No image project named "no-such-datakit"');
    expect(result.stderr).toContain('datakits/no-such-datakit');
  });
});
