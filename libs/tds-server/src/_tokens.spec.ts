import { describe, expect, it } from 'vitest';
import { encodeToBuffer } from './_byte-sink.ts';
import { normalizeColumn } from './_columns.ts';
import { decodePassword, encodePassword } from './_login7.ts';
import { Encryption, negotiateEncryption } from './_prelogin.ts';
import { Reader } from './_reader.ts';
import { readTypeInfo, readValue } from './_requests.ts';
import { writeValue } from './_row-values.ts';
import { writeTypeInfo } from './_type-info.ts';
import { writeDone, writeNbcRow } from './_tokens.ts';
import { canonicalValue } from './checksum.ts';
import type { TdsColumn, TdsValue } from './types.ts';

const value = (column: TdsColumn, v: TdsValue): string =>
  encodeToBuffer((sink) => writeValue(sink, normalizeColumn(column), v)).toString('hex');
const typeInfo = (column: TdsColumn): string =>
  encodeToBuffer((sink) => writeTypeInfo(sink, normalizeColumn(column))).toString('hex');

describe('column values (MS-TDS 2.2.5.5)', () => {
  it('writes uniqueidentifier with its first three groups little-endian', () => {
    // The GUID of the MS-TDS and SQL Server documentation examples.
    expect(
      value({ name: 'g', type: 'uniqueidentifier' }, '6F9619FF-8B86-D011-B42D-00C04FC964FF'),
    ).toBe('10ff19966f868b11d0b42d00c04fc964ff');
  });

  it('writes nullable integers as INTN with a length byte and NULL as length 0', () => {
    expect(value({ name: 'i', type: 'int' }, 1)).toBe('0401000000');
    expect(value({ name: 'i', type: 'int' }, null)).toBe('00');
    expect(value({ name: 'i', type: 'bigint', nullable: false }, -1n)).toBe('ffffffffffffffff');
    expect(value({ name: 'i', type: 'smallint', nullable: false }, -32768)).toBe('0080');
  });

  it('writes money as its high then low 32 bits, each little-endian', () => {
    expect(value({ name: 'm', type: 'money' }, '1.0000')).toBe('080000000010270000');
    expect(value({ name: 'm', type: 'money' }, '-922337203685477.5808')).toBe('080000008000000000');
    expect(value({ name: 'm', type: 'smallmoney', nullable: false }, '-0.0001')).toBe('ffffffff');
  });

  it('writes decimals as a sign byte and a little-endian magnitude sized by precision', () => {
    expect(value({ name: 'd', type: 'decimal', precision: 5, scale: 2 }, '-123.45')).toBe(
      '050039300000',
    );
    expect(value({ name: 'd', type: 'decimal', precision: 38, scale: 10 }, '0.0000000001')).toBe(
      `1101${'01'}${'00'.repeat(15)}`,
    );
    expect(() => value({ name: 'd', type: 'decimal', precision: 5, scale: 2 }, '1.234')).toThrow(
      /fraction digits/,
    );
  });

  it('writes date, time, datetime2 and datetimeoffset (the latter in UTC) exactly', () => {
    expect(value({ name: 'd', type: 'date' }, '0001-01-01')).toBe('03000000');
    expect(value({ name: 'd', type: 'date' }, '2024-02-29')).toBe('0380460b');
    expect(value({ name: 't', type: 'time', scale: 7 }, '00:00:01')).toBe('058096980000');
    expect(value({ name: 't', type: 'time', scale: 0 }, '00:00:01')).toBe('03010000');
    expect(value({ name: 't', type: 'datetime2', scale: 7 }, '2024-02-29 00:00:00.0000001')).toBe(
      '08010000000080460b',
    );
    // 23:30 at -05:00 is 04:30 the next day in UTC; then the offset, -300 minutes.
    expect(
      value({ name: 't', type: 'datetimeoffset', scale: 7 }, '2024-02-29 23:30:00.0000001 -05:00'),
    ).toBe('0a01d4f3b72581460bd4fe');
  });

  it('writes datetime as days since 1900 and 1/300 s ticks, rounding as SQL Server does', () => {
    expect(value({ name: 't', type: 'datetime', nullable: false }, '1900-01-01 00:00:00.000')).toBe(
      '0000000000000000',
    );
    expect(value({ name: 't', type: 'datetime', nullable: false }, '2000-01-01 00:00:00.002')).toBe(
      'ac8e000001000000',
    );
    expect(canonicalValue({ name: 't', type: 'datetime' }, '2000-01-01 00:00:00.002')).toBe(
      '2000-01-01 00:00:00.003',
    );
  });

  it('writes character and binary values with a 2-byte length and NULL as 0xFFFF', () => {
    expect(value({ name: 's', type: 'nvarchar', length: 10 }, 'a😀')).toBe('06006100' + '3dd800de');
    expect(value({ name: 's', type: 'nvarchar', length: 10 }, null)).toBe('ffff');
    expect(value({ name: 's', type: 'varchar', length: 10 }, '€é')).toBe('020080e9');
    expect(value({ name: 's', type: 'char', length: 3 }, 'a')).toBe('0300612020');
    expect(value({ name: 'b', type: 'binary', length: 3 }, Buffer.from([1]))).toBe('0300010000');
  });

  it('writes (max) types and xml as PLP: total length, chunks, terminator', () => {
    expect(value({ name: 's', type: 'nvarchar', length: 'max' }, 'ab')).toBe(
      '0400000000000000' + '04000000' + '61006200' + '00000000',
    );
    expect(value({ name: 's', type: 'nvarchar', length: 'max' }, '')).toBe(
      '0000000000000000' + '00000000',
    );
    expect(value({ name: 'x', type: 'xml' }, null)).toBe('ffffffffffffffff');
  });

  it('writes text/ntext with a 16-byte text pointer and 8-byte timestamp, NULL as no pointer', () => {
    const text = value({ name: 't', type: 'text' }, 'a');
    expect(text.slice(0, 2)).toBe('10');
    expect(text.slice(2 + 48)).toBe('0100000061');
    expect(value({ name: 't', type: 'ntext' }, null)).toBe('00');
  });
});

describe('TYPE_INFO (MS-TDS 2.2.5.6)', () => {
  it('describes each type as SQL Server does', () => {
    expect(typeInfo({ name: 'd', type: 'decimal', precision: 38, scale: 10 })).toBe('6a11260a');
    expect(typeInfo({ name: 'i', type: 'int', nullable: false })).toBe('38');
    expect(typeInfo({ name: 'i', type: 'int' })).toBe('2604');
    expect(typeInfo({ name: 't', type: 'datetime2', scale: 7 })).toBe('2a07');
    expect(typeInfo({ name: 's', type: 'nvarchar', length: 100 })).toBe('e7c8000904d00034');
    expect(typeInfo({ name: 's', type: 'varbinary', length: 'max' })).toBe('a5ffff');
    expect(typeInfo({ name: 'r', type: 'rowversion', nullable: false })).toBe('ad0800');
  });

  it('reads back what it writes, for parameters', () => {
    const column = normalizeColumn({ name: 'p', type: 'datetimeoffset', scale: 3 });
    const bytes = encodeToBuffer((sink) => {
      writeTypeInfo(sink, column);
      writeValue(sink, column, '2024-06-30 12:00:00.500 +05:45');
    });
    const reader = new Reader(bytes);
    expect(readValue(reader, readTypeInfo(reader))).toBe('2024-06-30 12:00:00.500 +05:45');
  });
});

describe('tokens', () => {
  it('writes NBCROW with a NULL bitmap, least significant bit first, and no NULL values', () => {
    const columns = [
      { name: 'a', type: 'int' },
      { name: 'b', type: 'int' },
      { name: 'c', type: 'nvarchar', length: 5 },
    ] as const;
    const bytes = encodeToBuffer((sink) =>
      writeNbcRow(sink, columns.map(normalizeColumn), [7, null, null]),
    );
    expect(bytes.toString('hex')).toBe('d2' + '06' + '0407000000');
  });

  it('writes DONE with status, command and an 8-byte row count', () => {
    expect(encodeToBuffer((sink) => writeDone(sink, 0xfd, 0x10, 0xc1, 3)).toString('hex')).toBe(
      'fd1000c1000300000000000000',
    );
  });
});

describe('LOGIN7 and PRELOGIN', () => {
  it('unscrambles passwords: XOR 0xA5, then swap nibbles', () => {
    expect(encodePassword('a').toString('hex')).toBe('b3a5');
    expect(decodePassword(encodePassword('S3cret;pass'))).toBe('S3cret;pass');
  });

  it('negotiates encryption as the MS-TDS table says', () => {
    expect(negotiateEncryption(Encryption.Off, 'off')).toEqual({
      response: Encryption.Off,
      mode: 'login',
    });
    expect(negotiateEncryption(Encryption.On, 'off')).toEqual({
      response: Encryption.On,
      mode: 'all',
    });
    expect(negotiateEncryption(Encryption.Off, 'required')).toEqual({
      response: Encryption.Required,
      mode: 'all',
    });
    expect(negotiateEncryption(Encryption.NotSupported, 'off')).toEqual({
      response: Encryption.NotSupported,
      mode: 'none',
    });
    expect(negotiateEncryption(Encryption.NotSupported, 'required').mode).toBe('refuse');
    expect(negotiateEncryption(Encryption.On, 'notSupported').mode).toBe('refuse');
  });
});
