import type { DiscoveredColumn } from '@datakit/databases';

import type { BuilderCall } from '../_builder-call.ts';
import type { TypeCall } from './_postgres-columns.ts';

const NO_ARGS = new Set([
  'bit',
  'tinyint',
  'smallint',
  'int',
  'bigint',
  'money',
  'smallmoney',
  'real',
  'float',
  'date',
  'datetime',
  'smalldatetime',
  'uniqueidentifier',
  'text',
  'ntext',
  'xml',
  'image',
  'rowversion',
]);
const ONE_NUMBER = new Set(['time', 'datetime2', 'datetimeoffset', 'char', 'nchar', 'binary']);
const LENGTH = new Set(['varchar', 'nvarchar', 'varbinary']);

const mssql = (method: string, args: BuilderCall['args'] = []): BuilderCall => ({
  namespace: 'mssql',
  method,
  args,
  modifiers: [],
});

/** The `mssql.*` call of a SQL Server type as the catalog spells it (`nvarchar(50)`, `decimal(12,2)`). */
export function sqlServerTypeCall(type: string): TypeCall {
  const match = /^([a-z0-9]+)(?:\((max|\d+)(?:,(\d+))?\))?$/.exec(type.trim().toLowerCase());
  const [, name = '', first, second] = match ?? [];
  if (name === 'timestamp') return { call: mssql('rowversion') };
  if (NO_ARGS.has(name) && first === undefined) return { call: mssql(name) };
  if ((name === 'decimal' || name === 'numeric') && first !== undefined && first !== 'max') {
    return { call: mssql('decimal', [Number(first), Number(second ?? 0)]) };
  }
  if (ONE_NUMBER.has(name) && first !== undefined && first !== 'max') {
    return { call: mssql(name, [Number(first)]) };
  }
  if (LENGTH.has(name) && first !== undefined) {
    return { call: mssql(name, [first === 'max' ? 'max' : Number(first)]) };
  }
  return {
    call: { method: 'custom', args: [type], modifiers: [] },
    note: `${type} has no SQL Server column builder: its values are read as text`,
  };
}

/** The call of a live SQL Server column; an alias type is its base type with `.domain()`. */
export function sqlServerColumnCall(column: DiscoveredColumn): TypeCall {
  if (column.domain === undefined) return sqlServerTypeCall(column.type);
  const base = sqlServerTypeCall(column.domainBaseType ?? column.type);
  return {
    ...base,
    call: { ...base.call, modifiers: [{ name: 'domain', arg: column.domain }] },
  };
}
