import { describe, expect, it } from 'vitest';
import { formatLockJson } from './format-lock.ts';
import { lockSchema, lockedTag, type Lock } from './lock-schema.ts';

const digest = (c: string) => `sha256:${c.repeat(64)}`;
const entry = (datakit: string, version: string, c: string) => ({
  contractHash: digest('c'),
  digest: digest(c),
  reference: `127.0.0.1:5000/${datakit}:${version}@${digest(c)}`,
  version,
  requested: `^${version}`,
});

describe('formatLockJson', () => {
  it('writes keys and datakits in a fixed order with a final newline', () => {
    const lock = {
      datakits: { zeta: entry('zeta', '2.0.0', 'b'), alpha: entry('alpha', '1.0.0', 'a') },
      inputsDigest: digest('d'),
      warehouse: 'wh',
      lockVersion: 1,
      $schema: '../../libs/warehouse/schema/lock.schema.json',
    } as Lock;
    const text = formatLockJson(lock);
    expect(text.endsWith('}\n')).toBe(true);
    expect(Object.keys(JSON.parse(text) as object)).toEqual([
      '$schema',
      'lockVersion',
      'warehouse',
      'inputsDigest',
      'datakits',
    ]);
    expect(text.indexOf('"alpha"')).toBeLessThan(text.indexOf('"zeta"'));
    expect(Object.keys((JSON.parse(text) as Lock).datakits.alpha!)).toEqual([
      'requested',
      'version',
      'reference',
      'digest',
      'contractHash',
    ]);
  });

  it('round-trips through the lock schema', () => {
    const lock: Lock = {
      lockVersion: 1,
      warehouse: 'wh',
      inputsDigest: digest('d'),
      datakits: { alpha: entry('alpha', '1.0.0', 'a') },
    };
    const text = formatLockJson(lock);
    expect(lockSchema.parse(JSON.parse(text))).toEqual(lock);
    expect(text).not.toContain('$schema');
  });
});

describe('lockedTag', () => {
  it('reads the tag of a pinned reference, also behind a registry port', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    const entry = {
      requested: '^1.0.0',
      version: '1.4.2',
      reference: `127.0.0.1:5000/team/pagila-bronze:v1.4.2@${digest}`,
      digest,
      contractHash: digest,
    };
    expect(lockedTag(entry)).toBe('v1.4.2');
    expect(lockedTag({ ...entry, reference: `registry/hello:0.3.0@${digest}` })).toBe('0.3.0');
  });
});
