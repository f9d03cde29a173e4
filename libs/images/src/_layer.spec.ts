import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { createLayer, sha256 } from './_layer.ts';

const mtime = new Date('2026-01-01T00:00:00Z');
const files = [
  { path: 'app/spec.json', content: Buffer.from('{"name":"x"}') },
  { path: 'app/main.mjs', content: Buffer.from('console.log(1)\n') },
];

describe('createLayer', () => {
  it('gives the same digest for the same files', async () => {
    const a = await createLayer(files, mtime);
    const b = await createLayer([...files].reverse(), mtime);
    expect(a.digest).toBe(b.digest);
    expect(a.diffId).toBe(b.diffId);
  });

  it('gives another digest when one byte changes', async () => {
    const a = await createLayer(files, mtime);
    const changed = [{ ...files[0]!, content: Buffer.from('{"name":"y"}') }, files[1]!];
    expect((await createLayer(changed, mtime)).digest).not.toBe(a.digest);
  });

  it('records the digest of the compressed bytes and the diff id of the tar', async () => {
    const layer = await createLayer(files, mtime);
    expect(layer.digest).toBe(sha256(layer.gzip));
    expect(layer.diffId).toBe(sha256(gunzipSync(layer.gzip)));
    expect(layer.size).toBe(layer.gzip.length);
  });

  it('lists parent folders before files, in sorted order, owned by root', async () => {
    const tar = gunzipSync((await createLayer(files, mtime)).gzip);
    const names: string[] = [];
    for (let offset = 0; offset + 512 <= tar.length;) {
      const name = tar
        .subarray(offset, offset + 100)
        .toString('utf8')
        .replace(/\0.*$/s, '');
      if (!name) break;
      names.push(name);
      const size = parseInt(
        tar
          .subarray(offset + 124, offset + 136)
          .toString('utf8')
          .trim() || '0',
        8,
      );
      expect(
        tar
          .subarray(offset + 108, offset + 116)
          .toString('utf8')
          .replace(/\0/g, '')
          .trim(),
      ).toMatch(/^0*$/);
      offset += 512 + Math.ceil(size / 512) * 512;
    }
    expect(names).toEqual(['app/', 'app/main.mjs', 'app/spec.json']);
  });
});
