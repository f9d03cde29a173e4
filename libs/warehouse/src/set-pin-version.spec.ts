import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '@datakit/errors';
import { parseWarehouseYaml } from './load-warehouse.ts';
import { addPin, setPinVersion } from './set-pin-version.ts';

const text = readFileSync(
  join(import.meta.dirname, '__fixtures__', 'valid', 'warehouse.yaml'),
  'utf8',
);

/** The lines that differ between two texts of the same length in lines. */
const changedLines = (before: string, after: string): string[] => {
  const old = before.split('\n');
  return after.split('\n').filter((line, i) => line !== old[i]);
};

describe('setPinVersion', () => {
  it('changes the version line only, keeping comments, quotes and long lines', () => {
    const edited = setPinVersion(text, 'warehouse.yaml', 'pagila-bronze', '~1.2.0');
    expect(edited.split('\n')).toHaveLength(text.split('\n').length);
    expect(changedLines(text, edited)).toEqual(['    version: ~1.2.0']);
    expect(parseWarehouseYaml(edited, 'warehouse.yaml').datakits['pagila-bronze']?.version).toBe(
      '~1.2.0',
    );
  });

  it('quotes a version YAML would read as a number', () => {
    const edited = setPinVersion(text, 'warehouse.yaml', 'pagila-bronze', '1.0');
    expect(changedLines(text, edited)).toEqual(["    version: '1.0'"]);
    expect(parseWarehouseYaml(edited, 'warehouse.yaml').datakits['pagila-bronze']?.version).toBe(
      '1.0',
    );
  });

  it('names file and field when the datakit is not pinned', () => {
    expect(() => setPinVersion(text, 'wh/warehouse.yaml', 'nope', '1.0.0')).toThrowError(
      new ConfigError(
        'wh/warehouse.yaml: field "datakits" has no datakit "nope" to set the version of.',
      ),
    );
  });
});

describe('setPinVersion keeps every other byte', () => {
  it('leaves flow sequences, spacing and comments as written', () => {
    const text = [
      'environments:',
      '  local:',
      '    hostRoots: [/srv/a,/srv/b]   # roots',
      'datakits:',
      '  a: {version: 1.0.0, source: s, target: t}',
      '',
    ].join('\n');
    expect(setPinVersion(text, 'w.yaml', 'a', '^1.1')).toBe(
      text.replace('version: 1.0.0', 'version: ^1.1'),
    );
  });
});

describe('addPin', () => {
  const text = [
    '# the warehouse',
    'name: w',
    'datakits:',
    '  a: # first',
    '    version: ^1.0.0',
    '    source: src',
    '    target: dwh',
    '',
  ].join('\n');

  it('adds a block after the other pins and keeps comments', () => {
    const next = addPin(text, 'w.yaml', 'b', { version: '^2.0.0', source: 'src', target: 'dwh' });
    expect(next).toBe(`${text}  b:\n    version: ^2.0.0\n    source: src\n    target: dwh\n`);
  });

  it('adds the first pin to an empty or missing datakits map, in block style', () => {
    for (const start of ['name: w\ndatakits: {}\n', 'name: w\n']) {
      const next = addPin(start, 'w.yaml', 'b', { version: '1.0.0', source: 's', target: 't' });
      expect(next).toContain('datakits:\n  b:\n    version: 1.0.0\n    source: s\n    target: t\n');
    }
  });

  it('refuses a datakit pinned already, naming the file and field', () => {
    expect(() =>
      addPin(text, 'w.yaml', 'a', { version: '1.0.0', source: 's', target: 't' }),
    ).toThrow('w.yaml: field "datakits.a" exists already.');
  });
});
