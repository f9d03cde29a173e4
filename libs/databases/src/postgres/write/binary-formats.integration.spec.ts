import { col } from '@datakit/contracts';
import type { ColumnMeta } from '@datakit/contracts';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loaderConfig } from './__fixtures__/scratch-db.ts';
import { BinaryWriter, binaryCodecFor } from './binary-copy.ts';
import { SESSION_SETTINGS, codecFor } from './codecs.ts';

// Real PostgreSQL (npm run infra:up): each codec against the server's own `*_send` bytes and
// text output for awkward values. Decoding the server's bytes gives what decoding its text
// gives; encoding that value gives the server's bytes again.
const client = new pg.Client(loaderConfig);

beforeAll(async () => {
  await client.connect();
  await client.query(SESSION_SETTINGS);
});
afterAll(() => client.end());

/** Values (SQL text input) per SQL type, with the contract column they are read as. */
const CASES: [string, ColumnMeta, string[]][] = [
  [
    'numeric',
    col.numeric().meta,
    [
      '0',
      '-0.0',
      '0.000',
      'NaN',
      'Infinity',
      '-Infinity',
      '0.000001',
      '-0.000100',
      '1.50',
      '10000',
      '-99990000.00010000',
      '123456789012345678901234567890.123456789012345678901234567890',
      `${'9'.repeat(1000)}.${'1'.repeat(500)}`,
      `-0.${'0'.repeat(300)}1`,
      '1e-20',
      '7e30',
    ],
  ],
  ['numeric(6,2)', col.numeric(6, 2).meta, ['1.5', '-9999.99', '0', '0.10', 'NaN']],
  [
    'uuid',
    col.uuid().meta,
    [
      'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
      'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF',
      '00000000-0000-0000-0000-000000000000',
    ],
  ],
  ['bytea', col.bytea().meta, ['', '\\x00ff10', '\\x5c78', `\\x${'ab'.repeat(100_000)}`]],
  [
    'jsonb',
    col.jsonb().meta,
    [
      '{"a": 1, "b": [1, 2.50, null]}',
      '"é ☕ 𝄞"',
      '[]',
      '{}',
      'null',
      '{"z": 1, "a": {"k": "\\n"}}',
    ],
  ],
  ['bpchar', col.char(4).meta, ['ab', '', 'abcd', 'é☕']],
  [
    'inet',
    col.inet().meta,
    [
      '192.0.2.1',
      '192.0.2.1/24',
      '0.0.0.0/0',
      '::',
      '::1',
      '::2',
      '::ffff:1.2.3.4',
      '::1.2.3.4',
      '2001:db8::1/64',
      '2001:db8:0:0:1:0:0:1',
      '2001:0:0:1:0:0:0:1',
      '1:0:0:0:0:0:0:0',
      'fe80::1:2:3:4:5',
      '1:2:3:4:5:6:7:8/128',
      '::ffff:0:0/96',
    ],
  ],
  [
    'cidr',
    col.cidr().meta,
    [
      '198.0.0.0/8',
      '198.51.100.0/24',
      '203.0.113.3/32',
      '0.0.0.0/0',
      '2001:db8::/32',
      '::/0',
      '::1/128',
    ],
  ],
  [
    'text[]',
    col.array(col.text().nullable()).meta,
    ['{}', '{a,"b c",NULL,"",NULL}', '{"\\\\","\\""}', '{"null","{x}","a,b"," ","\u00a0é","\t"}'],
  ],
  ['bytea[]', col.array(col.bytea()).meta, ['{"\\\\x00ff",""}']],
  [
    'integer[]',
    col.array(col.integer()).meta,
    ['{1,-2,2147483647}', '{{1,2},{3,4}}', '[0:1]={5,6}'],
  ],
  ['numeric[]', col.array(col.numeric().nullable()).meta, ['{1.50,NaN,NULL,-0.001}']],
  ['timestamptz[]', col.array(col.timestamptz()).meta, ['{"2024-02-29 12:00:00.123+00",infinity}']],
  ['uuid[]', col.array(col.uuid()).meta, ['{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}']],
  ['jsonb[]', col.array(col.jsonb()).meta, ['{"{\\"a\\": 1}","[1, 2]"}']],
  ['bpchar(2)[]', col.array(col.char(2)).meta, ['{a,bc}']],
  ['bit(8)', col.bit(8).meta, ['10100101', '00000000', '11111111']],
  ['bit varying', col.varbit().meta, ['', '1', '101010101', '1'.repeat(70)]],
  ['xml', col.xml().meta, ['<a b="1">é &amp; ☕</a>', 'text <b/> ', '<?xml version="1.0"?><r/>']],
  ['bit varying[]', col.array(col.varbit().nullable()).meta, ['{"",1,NULL,0101}', '{{1},{0}}']],
  ['xml[]', col.array(col.xml()).meta, ['{"<x>a,b</x>","<y/>"}']],
];

const SEND: Record<string, string> = {
  numeric: 'numeric_send',
  'numeric(6,2)': 'numeric_send',
  uuid: 'uuid_send',
  bytea: 'byteasend',
  jsonb: 'jsonb_send',
  bpchar: 'bpcharsend',
  inet: 'inet_send',
  cidr: 'cidr_send',
  'bit(8)': 'bit_send',
  'bit varying': 'varbit_send',
  xml: 'xml_send',
};

describe('binary codecs against PostgreSQL', () => {
  for (const [type, meta, values] of CASES) {
    it(`${type}: decode is the text output's value, encode is ${SEND[type] ?? 'array_send'}`, async () => {
      const binary = binaryCodecFor(meta);
      const text = codecFor(meta);
      for (const value of values) {
        const send = SEND[type] ?? 'array_send';
        const { rows } = await client.query<{ text: string; bytes: Buffer }>(
          // format's %s prints with the output function, as COPY does (inet::text is not that).
          `SELECT format('%s', $1::${type}) AS text, ${send}($1::${type}) AS bytes`,
          [value],
        );
        const row = rows[0] as { text: string; bytes: Buffer };
        const decoded = binary.decode(row.bytes, 0, row.bytes.length);
        // The exact text a rejected row is stored with.
        if (binary.text !== undefined) {
          expect([value, binary.text(row.bytes, 0, row.bytes.length)]).toEqual([value, row.text]);
        }
        if (meta.kind === 'array' && !Array.isArray(decoded)) {
          // Several dimensions or another lower bound: PostgreSQL's own text, as the text path
          // reads it, rejected as not an array.
          expect([value, decoded]).toEqual([value, row.text]);
          expect([value, text.decode(row.text)]).toEqual([value, row.text]);
          continue;
        }
        expect([type, value, decoded]).toEqual([type, value, text.decode(row.text)]);
        const writer = new BinaryWriter();
        binary.encode(decoded, writer);
        const written = writer.take() as Buffer;
        // jsonb is written from the parsed value: its spacing is JSON.stringify's.
        if (meta.kind === 'jsonb' || meta.element?.kind === 'jsonb') continue;
        expect([type, value, written.subarray(4).toString('hex')]).toEqual([
          type,
          value,
          row.bytes.toString('hex'),
        ]);
      }
    });
  }
});
