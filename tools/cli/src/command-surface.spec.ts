import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commandSurface } from './command-surface.ts';

// The CLI surface (commands, flags, args, --json) is a contract with users and scripts. A change
// must be deliberate: regenerate with DATAKIT_UPDATE_SNAPSHOT=1 and commit the file.
const file = join(import.meta.dirname, '..', 'command-snapshot.json');

const manifest = JSON.parse(
  readFileSync(join(import.meta.dirname, '..', 'oclif.manifest.json'), 'utf8'),
) as {
  commands: Record<string, { flags: Record<string, unknown>; args: Record<string, unknown> }>;
};

describe('the datakit CLI surface', () => {
  it('is what oclif.manifest.json lists (regenerate with `npm run manifest -w @datakit/cli`)', async () => {
    const surface = await commandSurface();
    expect(Object.keys(manifest.commands).sort()).toEqual(
      surface.map((c) => c.id.replaceAll(' ', ':')).sort(),
    );
    for (const command of surface) {
      const listed = manifest.commands[command.id.replaceAll(' ', ':')]!;
      expect(Object.keys(listed.args), command.id).toEqual(command.args);
      for (const flag of command.flags)
        expect(Object.keys(listed.flags), command.id).toContain(flag);
    }
  }, 60_000); // imports every command and the libraries behind them: slow on a busy machine

  it('matches command-snapshot.json', async () => {
    const surface = `${JSON.stringify(await commandSurface(), null, 2)}\n`;
    if (process.env.DATAKIT_UPDATE_SNAPSHOT === '1') writeFileSync(file, surface);
    expect(surface).toBe(readFileSync(file, 'utf8'));
  });

  it('gives every command a summary', async () => {
    for (const command of await commandSurface()) expect(command.summary, command.id).not.toBe('');
  });

  it('offers --json on every read command', async () => {
    const reads = [
      'outdated',
      'plan',
      'status',
      'logs',
      'runs',
      'rejects',
      'verify',
      'registry ls',
      'registry tags',
      'registry inspect',
    ];
    const surface = await commandSurface();
    for (const id of reads) {
      // A listed command that disappeared fails here instead of being skipped.
      expect(surface.find((c) => c.id === id)?.json, id).toBe(true);
    }
  });

  it('offers --dry-run on every command that changes something', async () => {
    const changes = ['deploy', 'rollback', 'pin'];
    const surface = await commandSurface();
    for (const id of changes) {
      expect(surface.find((c) => c.id === id)?.flags ?? [], id).toContain('dry-run');
    }
  });
});
