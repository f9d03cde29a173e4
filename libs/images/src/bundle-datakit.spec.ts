import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
