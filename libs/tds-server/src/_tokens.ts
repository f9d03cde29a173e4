import { type ByteSink, encodeToBuffer } from './_byte-sink.ts';
import type { NormalizedColumn } from './_columns.ts';
import { isNullValue, writeValue } from './_row-values.ts';
import { USER_TYPE_TIMESTAMP, columnFlags, hasTableName, writeTypeInfo } from './_type-info.ts';
import type { TdsRow, TdsValue } from './types.ts';

/** Token types of the tabular result stream (MS-TDS 2.2.7). */
export const Token = {
  ColMetadata: 0x81,
  Error: 0xaa,
  Info: 0xab,
  LoginAck: 0xad,
  FeatureExtAck: 0xae,
  Row: 0xd1,
  NbcRow: 0xd2,
  EnvChange: 0xe3,
  Sspi: 0xed,
  ReturnStatus: 0x79,
  ReturnValue: 0xac,
  Done: 0xfd,
  DoneProc: 0xfe,
  DoneInProc: 0xff,
} as const;

/** DONE status bits (MS-TDS 2.2.7.6). */
export const DoneStatus = {
  Final: 0x0000,
  More: 0x0001,
  Error: 0x0002,
  InTransaction: 0x0004,
  Count: 0x0010,
  Attention: 0x0020,
  ServerError: 0x0100,
} as const;

/** ENVCHANGE types (MS-TDS 2.2.7.9). */
export const EnvChangeType = {
  Database: 1,
  Language: 2,
  PacketSize: 4,
  Collation: 7,
  BeginTransaction: 8,
  CommitTransaction: 9,
  RollbackTransaction: 10,
  ResetConnection: 18,
} as const;

/** The TDS 7.4 version as LOGINACK carries it (big-endian on the wire). */
export const TDS_VERSION_74 = 0x74000004;

function bVarchar(sink: ByteSink, text: string): void {
  const bytes = Buffer.from(text, 'utf16le');
  sink.u8(bytes.length / 2);
  sink.bytes(bytes);
}

function usVarchar(sink: ByteSink, text: string): void {
  const bytes = Buffer.from(text, 'utf16le');
  sink.u16le(bytes.length / 2);
  sink.bytes(bytes);
}

/** Writes a token whose body is preceded by its 2-byte length. */
function lengthPrefixed(sink: ByteSink, token: number, body: (inner: ByteSink) => void): void {
  const bytes = encodeToBuffer(body);
  sink.u8(token);
  sink.u16le(bytes.length);
  sink.bytes(bytes);
}

/** ENVCHANGE with B_VARCHAR new and old values (database, language, packet size). */
export function writeEnvChangeText(
  sink: ByteSink,
  type: number,
  newValue: string,
  oldValue: string,
): void {
  lengthPrefixed(sink, Token.EnvChange, (inner) => {
    inner.u8(type);
    bVarchar(inner, newValue);
    bVarchar(inner, oldValue);
  });
}

/** ENVCHANGE with B_VARBYTE new and old values (collation, transactions, reset). */
export function writeEnvChangeBytes(
  sink: ByteSink,
  type: number,
  newValue: Buffer,
  oldValue: Buffer,
): void {
  lengthPrefixed(sink, Token.EnvChange, (inner) => {
    inner.u8(type);
    inner.u8(newValue.length);
    inner.bytes(newValue);
    inner.u8(oldValue.length);
    inner.bytes(oldValue);
  });
}

/** A server message: INFO (class <= 10) or ERROR. */
export interface ServerMessage {
  number: number;
  state: number;
  class: number;
  message: string;
  serverName: string;
  procName?: string;
  line?: number;
}

/** Writes an ERROR (class > 10) or INFO token (MS-TDS 2.2.7.10 and 2.2.7.13). */
export function writeMessage(sink: ByteSink, message: ServerMessage): void {
  lengthPrefixed(sink, message.class > 10 ? Token.Error : Token.Info, (inner) => {
    inner.u32le(message.number);
    inner.u8(message.state);
    inner.u8(message.class);
    usVarchar(inner, message.message);
    bVarchar(inner, message.serverName);
    bVarchar(inner, message.procName ?? '');
    inner.u32le(message.line ?? 1);
  });
}

/** Writes LOGINACK (MS-TDS 2.2.7.14). */
export function writeLoginAck(
  sink: ByteSink,
  progName: string,
  version: [number, number, number],
): void {
  lengthPrefixed(sink, Token.LoginAck, (inner) => {
    inner.u8(1); // Interface: SQL_TSQL
    inner.u32be(TDS_VERSION_74);
    bVarchar(inner, progName);
    inner.u8(version[0]);
    inner.u8(version[1]);
    inner.u16be(version[2]);
  });
}

/** Writes DONE, DONEPROC or DONEINPROC (MS-TDS 2.2.7.6). */
export function writeDone(
  sink: ByteSink,
  token: number,
  status: number,
  curCmd: number,
  rowCount: number,
): void {
  sink.u8(token);
  sink.u16le(status);
  sink.u16le(curCmd);
  sink.i64le(BigInt(rowCount));
}

/** Writes an SSPI token carrying a GSS-API/SPNEGO token (MS-TDS 2.2.7.22). */
export function writeSspi(sink: ByteSink, data: Buffer): void {
  sink.u8(Token.Sspi);
  sink.u16le(data.length);
  sink.bytes(data);
}

/** Writes RETURNSTATUS (MS-TDS 2.2.7.18). */
export function writeReturnStatus(sink: ByteSink, value: number): void {
  sink.u8(Token.ReturnStatus);
  sink.i32le(value);
}

/** Writes COLMETADATA (MS-TDS 2.2.7.4). */
export function writeColMetadata(sink: ByteSink, columns: readonly NormalizedColumn[]): void {
  sink.u8(Token.ColMetadata);
  sink.u16le(columns.length);
  for (const column of columns) {
    sink.u32le(column.type === 'rowversion' ? USER_TYPE_TIMESTAMP : 0);
    sink.u16le(columnFlags(column));
    writeTypeInfo(sink, column);
    if (hasTableName(column)) sink.u8(0); // NumParts: no base table name
    bVarchar(sink, column.name);
  }
}

/** Writes a ROW token (MS-TDS 2.2.7.19). */
export function writeRow(sink: ByteSink, columns: readonly NormalizedColumn[], row: TdsRow): void {
  checkWidth(columns, row);
  sink.u8(Token.Row);
  for (let i = 0; i < columns.length; i++) writeValue(sink, columns[i] as NormalizedColumn, row[i]);
}

/** Writes an NBCROW token (MS-TDS 2.2.7.17): a NULL bitmap, then the non-NULL values. */
export function writeNbcRow(
  sink: ByteSink,
  columns: readonly NormalizedColumn[],
  row: TdsRow,
): void {
  checkWidth(columns, row);
  const bitmap = Buffer.alloc(Math.ceil(columns.length / 8));
  for (let i = 0; i < columns.length; i++) {
    if (isNullValue(row[i])) {
      const column = columns[i] as NormalizedColumn;
      if (!column.nullable)
        throw new RangeError(`column '${column.name}' is NOT NULL but the row has NULL`);
      bitmap[i >> 3] = (bitmap[i >> 3] ?? 0) | (1 << (i & 7));
    }
  }
  sink.u8(Token.NbcRow);
  sink.bytes(bitmap);
  for (let i = 0; i < columns.length; i++) {
    const value = row[i];
    if (!isNullValue(value)) writeValue(sink, columns[i] as NormalizedColumn, value);
  }
}

function checkWidth(columns: readonly NormalizedColumn[], row: TdsRow): void {
  if (row.length !== columns.length) {
    throw new RangeError(`row has ${row.length} values for ${columns.length} columns`);
  }
}

/** Writes RETURNVALUE for an output parameter (MS-TDS 2.2.7.18): ordinal, name, status 1
 * (output parameter), UserType, Flags, TYPE_INFO and the value. */
export function writeReturnValue(
  sink: ByteSink,
  ordinal: number,
  name: string,
  column: NormalizedColumn,
  value: TdsValue,
): void {
  sink.u8(Token.ReturnValue);
  sink.u16le(ordinal);
  bVarchar(sink, name);
  sink.u8(0x01);
  sink.u32le(0);
  sink.u16le(columnFlags(column));
  writeTypeInfo(sink, column);
  writeValue(sink, column, value);
}
