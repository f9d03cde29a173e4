import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';

// Compiles small datakits against this package with the real TypeScript compiler, so the
// promise "renaming a source column breaks every transform that reads it" is checked end to end.
const contracts = fileURLToPath(new URL('./index.ts', import.meta.url));
const typeRoots = [fileURLToPath(new URL('../../../node_modules/@types', import.meta.url))];
const dir = mkdtempSync(join(tmpdir(), 'contracts-compile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function datakit(sourceEmailColumn: string): string {
  return `
import { col, defineTable, defineTransform, withAudit } from ${JSON.stringify(contracts)};

const Customer = defineTable({
  name: 'customer',
  columns: { customer_id: col.integer().primaryKey(), ${sourceEmailColumn}: col.text().nullable() },
});
const Bronze = withAudit(
  defineTable({ name: 'customer', schema: 'bronze', columns: { id: col.integer(), email: col.text().nullable() } }),
);
export const t = defineTransform({
  from: Customer,
  to: Bronze,
  map: (row) => ({ id: row.customer_id, email: row.email }),
});
`;
}

function compile(name: string, source: string): string[] {
  const file = join(dir, name);
  writeFileSync(file, source);
  const program = ts.createProgram([file], {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    noEmit: true,
    allowImportingTsExtensions: true,
    skipLibCheck: true,
    types: ['node'],
    typeRoots,
  });
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file?.fileName === file)
    .map((d) => `TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`);
}

describe('a transform compiled against its source contract', { timeout: 30_000 }, () => {
  it('compiles while the source has the column it reads', () => {
    expect(compile('ok.mts', datakit('email'))).toEqual([]);
  });

  it('fails to compile once the source column is renamed', () => {
    expect(compile('renamed.mts', datakit('email_address'))).toEqual([
      expect.stringMatching(/^TS2339: Property 'email' does not exist on type/),
    ]);
  });
});
