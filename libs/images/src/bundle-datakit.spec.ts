import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ConfigError } from '@datakit/errors';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { bundleEntry } from './bundle-datakit.ts';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'datakit-bundle-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

async function bundle(source: string) {
  writeFileSync(join(root, 'main.ts'), source);
  return bundleEntry(root, 'main.ts', join(root, 'out', 'main.mjs'));
}

describe('bundleEntry and native addons', () => {
  it('keeps an addon loaded with require() external', async () => {
    const result = await bundle(
      "import { createRequire } from 'node:module';\nexport const k = createRequire(import.meta.url)('kerberos');\nexport const p = () => require('pg-native');\n",
    );
    expect(result.inputs).toEqual(['main.ts']);
  });

  it.each([
    ["await import('msnodesqlv8');", 'msnodesqlv8'],
    ["import kerberos from 'kerberos'; console.log(kerberos);", 'kerberos'],
  ])(
    'refuses an addon loaded with an ESM import (%s): NODE_PATH would not find it',
    async (code, name) => {
      const error = await bundle(`${code}\nexport {};\n`).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).message).toContain(
        `native addon ${name} is loaded with an ESM import`,
      );
    },
  );
});

describe('bundleEntry with split', () => {
  it('puts what a dynamic import loads in a chunk, read only when imported', async () => {
    writeFileSync(join(root, 'heavy.ts'), "export const heavy = 'HEAVY-' + 'CODE';\n");
    writeFileSync(
      join(root, 'main.ts'),
      "export const load = async () => (await import('./heavy.ts')).heavy;\nconsole.log('entry');\n",
    );
    const file = join(root, 'out', 'main.mjs');
    // A chunk of an earlier bundle in the folder is not kept.
    mkdirSync(join(root, 'out', 'chunks'), { recursive: true });
    writeFileSync(join(root, 'out', 'chunks', 'stale-AAAA.mjs'), 'stale');
    const result = await bundleEntry(root, 'main.ts', file, { split: true });
    expect(result.file).toBe(file);
    expect(result.files).toEqual([
      expect.stringMatching(/^chunks\/heavy-[A-Z0-9]+\.mjs$/),
      'main.mjs',
    ]);
    expect(readFileSync(file, 'utf8')).not.toContain('HEAVY-');
    expect(readFileSync(join(root, 'out', result.files[0] ?? ''), 'utf8')).toContain('HEAVY-');
    expect(existsSync(join(root, 'out', 'chunks', 'stale-AAAA.mjs'))).toBe(false);
    expect(result.inputs).toEqual(['heavy.ts', 'main.ts']);
    // The same sources give the same files, byte for byte.
    const again = await bundleEntry(root, 'main.ts', file, { split: true });
    expect(again.files).toEqual(result.files);
  });

  it('writes one file without split', async () => {
    const result = await bundle("console.log('x');\nexport {};\n");
    expect(result.files).toEqual(['main.mjs']);
  });
});
