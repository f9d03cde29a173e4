import { decodeCp1252 } from './_cp1252.ts';
import { formatDecimal } from './_decimal.ts';
import { Reader } from './_reader.ts';
import {
  DAYS_TO_1900,
  addMinutes,
  formatDate,
  formatOffset,
  formatTime,
  fromDatetime,
  timeLength,
} from './_temporal.ts';
import { TypeCode } from './_type-info.ts';
import type { TdsParameterValue, TdsTypeName, TdsValue } from './types.ts';

/** Skips ALL_HEADERS (MS-TDS 2.2.5.3) at the start of a SQL_BATCH or RPC payload. */
export function skipAllHeaders(reader: Reader): void {
  if (reader.remaining < 4) return;
  const total = reader.buffer.readUInt32LE(reader.offset);
  if (total < 4 || total > reader.remaining) return;
  if (total >= 10) {
    const first = reader.buffer.readUInt32LE(reader.offset + 4);
    if (first < 6 || first > total - 4) return;
  }
  reader.offset += total;
}

/** The text of a SQL_BATCH. */
export function parseSqlBatch(payload: Buffer): string {
  const reader = new Reader(payload);
  skipAllHeaders(reader);
  return reader.bytes(reader.remaining).toString('utf16le');
}

/** Well-known RPC procedure ids (MS-TDS 2.2.6.6). */
export const ProcId: Readonly<Record<number, string>> = {
  1: 'sp_cursor',
  2: 'sp_cursoropen',
  3: 'sp_cursorprepare',
  4: 'sp_cursorexecute',
  5: 'sp_cursorprepexec',
  6: 'sp_cursorunprepare',
  7: 'sp_cursorfetch',
  8: 'sp_cursoroption',
  9: 'sp_cursorclose',
  10: 'sp_executesql',
  11: 'sp_prepare',
  12: 'sp_execute',
  13: 'sp_prepexec',
  14: 'sp_prepexecrpc',
  15: 'sp_unprepare',
};

/** One parameter as sent: name (possibly empty), then its decoded value. */
export interface RpcParameter extends TdsParameterValue {
  name: string;
}

/** One RPC call of an RPC request. */
export interface RpcCall {
  /** The procedure's name (well-known ids resolved), lower case for ids. */
  procedure: string;
  parameters: RpcParameter[];
}

/** Parses an RPC request: one or more calls separated by batch flags. */
export function parseRpc(payload: Buffer): RpcCall[] {
  const reader = new Reader(payload);
  skipAllHeaders(reader);
  const calls: RpcCall[] = [];
  while (reader.remaining > 0) {
    const nameLength = reader.u16le();
    const procedure =
      nameLength === 0xffff ? (ProcId[reader.u16le()] ?? 'unknown') : reader.ucs2(nameLength);
    reader.u16le(); // OptionFlags: fWithRecomp, fNoMetaData, fReuseMetaData
    const parameters: RpcParameter[] = [];
    while (reader.remaining > 0) {
      const next = reader.buffer.readUInt8(reader.offset);
      if (next === 0x80 || next === 0xff || next === 0xfe) {
        reader.offset += 1; // BatchFlag / NoExecFlag: another call follows
        break;
      }
      parameters.push(readParameter(reader));
    }
    calls.push({ procedure, parameters });
  }
  return calls;
}

function readParameter(reader: Reader): RpcParameter {
  const name = reader.bVarchar();
  const status = reader.u8();
  const info = readTypeInfo(reader);
  const value = readValue(reader, info);
  return {
    name,
    type: info.type,
    value,
    ...(info.length === undefined ? {} : { length: info.length }),
    ...(info.precision === undefined ? {} : { precision: info.precision }),
    ...(info.scale === undefined ? {} : { scale: info.scale }),
    output: (status & 0x01) !== 0,
  };
}

/** A decoded TYPE_INFO. */
export interface TypeInfo {
  code: number;
  type: TdsTypeName;
  /** Max length on the wire (bytes). */
  maxLength: number;
  length?: number | 'max';
  precision?: number;
  scale?: number;
  plp: boolean;
}

const FIXED_TYPES: Readonly<Record<number, [TdsTypeName, number]>> = {
  [TypeCode.Int1]: ['tinyint', 1],
  [TypeCode.Bit]: ['bit', 1],
  [TypeCode.Int2]: ['smallint', 2],
  [TypeCode.Int4]: ['int', 4],
  [TypeCode.Int8]: ['bigint', 8],
  [TypeCode.DateTim4]: ['smalldatetime', 4],
  [TypeCode.Flt4]: ['real', 4],
  [TypeCode.Flt8]: ['float', 8],
  [TypeCode.Money]: ['money', 8],
  [TypeCode.Money4]: ['smallmoney', 4],
  [TypeCode.DateTime]: ['datetime', 8],
};

/** Reads a TYPE_INFO (MS-TDS 2.2.5.6) as parameters carry it. */
export function readTypeInfo(reader: Reader): TypeInfo {
  const code = reader.u8();
  const fixed = FIXED_TYPES[code];
  if (fixed !== undefined) return { code, type: fixed[0], maxLength: fixed[1], plp: false };
  switch (code) {
    case TypeCode.Null:
      return { code, type: 'int', maxLength: 0, plp: false };
    case TypeCode.IntN: {
      const maxLength = reader.u8();
      const type =
        ({ 1: 'tinyint', 2: 'smallint', 4: 'int', 8: 'bigint' } as const)[
          maxLength as 1 | 2 | 4 | 8
        ] ?? 'int';
      return { code, type, maxLength, plp: false };
    }
    case TypeCode.BitN:
      return { code, type: 'bit', maxLength: reader.u8(), plp: false };
    case TypeCode.FltN: {
      const maxLength = reader.u8();
      return { code, type: maxLength === 4 ? 'real' : 'float', maxLength, plp: false };
    }
    case TypeCode.MoneyN: {
      const maxLength = reader.u8();
      return { code, type: maxLength === 4 ? 'smallmoney' : 'money', maxLength, plp: false };
    }
    case TypeCode.DateTimN: {
      const maxLength = reader.u8();
      return { code, type: maxLength === 4 ? 'smalldatetime' : 'datetime', maxLength, plp: false };
    }
    case TypeCode.Guid:
      return { code, type: 'uniqueidentifier', maxLength: reader.u8(), plp: false };
    case TypeCode.DecimalN:
    case TypeCode.NumericN:
    case TypeCode.Decimal:
    case TypeCode.Numeric: {
      const maxLength = reader.u8();
      const precision = reader.u8();
      const scale = reader.u8();
      const type = code === TypeCode.NumericN || code === TypeCode.Numeric ? 'numeric' : 'decimal';
      return { code, type, maxLength, precision, scale, plp: false };
    }
    case TypeCode.DateN:
      return { code, type: 'date', maxLength: 3, plp: false };
    case TypeCode.TimeN:
    case TypeCode.DateTime2N:
    case TypeCode.DateTimeOffsetN: {
      const scale = reader.u8();
      const type =
        code === TypeCode.TimeN
          ? 'time'
          : code === TypeCode.DateTime2N
            ? 'datetime2'
            : 'datetimeoffset';
      return { code, type, maxLength: 0, scale, plp: false };
    }
    case TypeCode.BigVarChar:
    case TypeCode.BigChar:
    case TypeCode.NVarChar:
    case TypeCode.NChar: {
      const maxLength = reader.u16le();
      reader.bytes(5); // collation
      const unicode = code === TypeCode.NVarChar || code === TypeCode.NChar;
      const type =
        code === TypeCode.BigVarChar
          ? 'varchar'
          : code === TypeCode.BigChar
            ? 'char'
            : code === TypeCode.NVarChar
              ? 'nvarchar'
              : 'nchar';
      const length = maxLength === 0xffff ? 'max' : unicode ? maxLength / 2 : maxLength;
      return { code, type, maxLength, length, plp: maxLength === 0xffff };
    }
    case TypeCode.BigVarBinary:
    case TypeCode.BigBinary: {
      const maxLength = reader.u16le();
      const type = code === TypeCode.BigVarBinary ? 'varbinary' : 'binary';
      return {
        code,
        type,
        maxLength,
        length: maxLength === 0xffff ? 'max' : maxLength,
        plp: maxLength === 0xffff,
      };
    }
    case TypeCode.VarChar:
    case TypeCode.Char:
    case TypeCode.VarBinary:
    case TypeCode.Binary: {
      const maxLength = reader.u8();
      const type =
        code === TypeCode.VarChar
          ? 'varchar'
          : code === TypeCode.Char
            ? 'char'
            : code === TypeCode.VarBinary
              ? 'varbinary'
              : 'binary';
      return { code, type, maxLength, length: maxLength, plp: false };
    }
    case TypeCode.Text:
    case TypeCode.NText: {
      const maxLength = reader.u32le();
      reader.bytes(5); // collation
      return { code, type: code === TypeCode.Text ? 'text' : 'ntext', maxLength, plp: false };
    }
    case TypeCode.Image:
      return { code, type: 'image', maxLength: reader.u32le(), plp: false };
    case TypeCode.Xml: {
      if (reader.u8() === 1) {
        reader.bVarchar(); // database
        reader.bVarchar(); // owning schema
        reader.usVarchar(); // xml schema collection
      }
      return { code, type: 'xml', maxLength: 0xffff, plp: true };
    }
    default:
      throw new RangeError(`unsupported parameter type 0x${code.toString(16)}`);
  }
}

/** Reads a value of the given TYPE_INFO and decodes it. */
export function readValue(reader: Reader, info: TypeInfo): TdsValue {
  const data = readValueBytes(reader, info);
  return data === null ? null : decodeValue(info, data);
}

function readValueBytes(reader: Reader, info: TypeInfo): Buffer | null {
  if (info.plp) return readPlp(reader);
  if (FIXED_TYPES[info.code] !== undefined) return reader.bytes(info.maxLength);
  switch (info.code) {
    case TypeCode.Null:
      return null;
    case TypeCode.BigVarChar:
    case TypeCode.BigChar:
    case TypeCode.NVarChar:
    case TypeCode.NChar:
    case TypeCode.BigVarBinary:
    case TypeCode.BigBinary: {
      const length = reader.u16le();
      return length === 0xffff ? null : reader.bytes(length);
    }
    case TypeCode.Text:
    case TypeCode.NText:
    case TypeCode.Image: {
      const length = reader.u32le();
      return length === 0xffffffff ? null : reader.bytes(length);
    }
    default: {
      const length = reader.u8();
      return length === 0 ? null : reader.bytes(length);
    }
  }
}

function readPlp(reader: Reader): Buffer | null {
  const total = reader.u64le();
  if (total === 0xffffffffffffffffn) return null;
  const chunks: Buffer[] = [];
  for (;;) {
    const length = reader.u32le();
    if (length === 0) break;
    chunks.push(reader.bytes(length));
  }
  return Buffer.concat(chunks);
}

function uintLE(data: Buffer, from: number, to: number): bigint {
  let value = 0n;
  for (let i = to - 1; i >= from; i--) value = (value << 8n) | BigInt(data[i] ?? 0);
  return value;
}

/** Decodes a value's data bytes into the exact JS value (see TdsValue). */
export function decodeValue(info: TypeInfo, data: Buffer): TdsValue {
  switch (info.type) {
    case 'bit':
      return data[0] !== 0;
    case 'tinyint':
      return data.readUInt8(0);
    case 'smallint':
      return data.readInt16LE(0);
    case 'int':
      return data.readInt32LE(0);
    case 'bigint':
      return data.readBigInt64LE(0);
    case 'real':
      return data.readFloatLE(0);
    case 'float':
      return data.length === 4 ? data.readFloatLE(0) : data.readDoubleLE(0);
    case 'smallmoney':
      return formatDecimal(BigInt(data.readInt32LE(0)), 4);
    case 'money':
      return formatDecimal((BigInt(data.readInt32LE(0)) << 32n) | BigInt(data.readUInt32LE(4)), 4);
    case 'decimal':
    case 'numeric': {
      const magnitude = uintLE(data, 1, data.length);
      return formatDecimal(data[0] === 0 ? -magnitude : magnitude, info.scale ?? 0);
    }
    case 'uniqueidentifier': {
      const bytes = Buffer.concat([
        Buffer.from(data.subarray(0, 4)).reverse(),
        Buffer.from(data.subarray(4, 6)).reverse(),
        Buffer.from(data.subarray(6, 8)).reverse(),
        data.subarray(8, 16),
      ])
        .toString('hex')
        .toUpperCase();
      return `${bytes.slice(0, 8)}-${bytes.slice(8, 12)}-${bytes.slice(12, 16)}-${bytes.slice(16, 20)}-${bytes.slice(20)}`;
    }
    case 'date':
      return formatDate(Number(uintLE(data, 0, 3)));
    case 'time':
      return formatTime(scaledTicks(data, 0, info.scale ?? 7), info.scale ?? 7);
    case 'datetime2': {
      const scale = info.scale ?? 7;
      const t = timeLength(scale);
      return `${formatDate(Number(uintLE(data, t, t + 3)))} ${formatTime(scaledTicks(data, 0, scale), scale)}`;
    }
    case 'datetimeoffset': {
      const scale = info.scale ?? 7;
      const t = timeLength(scale);
      const offset = data.readInt16LE(t + 3);
      const local = addMinutes(
        { days: Number(uintLE(data, t, t + 3)), ticks: scaledTicks(data, 0, scale) },
        offset,
      );
      return `${formatDate(local.days)} ${formatTime(local.ticks, scale)} ${formatOffset(offset)}`;
    }
    case 'datetime': {
      const value = fromDatetime(data.readInt32LE(0), data.readUInt32LE(4));
      return `${formatDate(value.days)} ${formatTime(value.ticks, 3)}`;
    }
    case 'smalldatetime': {
      const days = data.readUInt16LE(0) + DAYS_TO_1900;
      return `${formatDate(days)} ${formatTime(BigInt(data.readUInt16LE(2)) * 600_000_000n, 0)}`;
    }
    case 'char':
    case 'varchar':
    case 'text':
      return decodeCp1252(data);
    case 'nchar':
    case 'nvarchar':
    case 'ntext':
    case 'xml':
      return data.toString('utf16le');
    default:
      return Buffer.from(data);
  }
}

function scaledTicks(data: Buffer, at: number, scale: number): bigint {
  return uintLE(data, at, at + timeLength(scale)) * 10n ** BigInt(7 - scale);
}
