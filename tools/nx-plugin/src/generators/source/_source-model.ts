import type { DiscoveredSchema, DiscoveredTable } from '@datakit/databases';

import type { BuilderCall, Modifier } from '../_builder-call.ts';
import { contractName, contractNames, pascalCase } from '../_names.ts';
import { postgresColumnCall } from './_postgres-columns.ts';
import { sqlServerColumnCall } from './_sqlserver-columns.ts';

/** One column of a generated contract. */
export interface ColumnModel {
  /** Contract name (the row property). */
  name: string;
  call: BuilderCall;
  /** A line of comment above the column, when something about it is worth saying. */
  note?: string;
}

/** One generated table contract. */
export interface TableModel {
  /** Exported constant, e.g. `FilmActor`. */
  constName: string;
  /** Contract name. */
  name: string;
  /** The live name, when it differs from the contract name. */
  sourceName?: string;
  schema: string;
  description?: string;
  columns: ColumnModel[];
  /** TSDoc of the constant. */
  doc: string;
}

const UPDATED =
  /^(last_?update[d]?|updated(_at|_on|_time|_date)?|modified(_at|_on|_time|_date)?|last_?modified|changed(_at|_on)?|row_?version)$/i;
const TIME_METHODS = new Set([
  'timestamp',
  'timestamptz',
  'date',
  'datetime',
  'datetime2',
  'smalldatetime',
  'datetimeoffset',
]);

/**
 * The suggested incremental cursor of a table, with the reason: a NOT NULL timestamp named
 * like an update time (`last_update`, `updated_at`, `modified_at`); otherwise a NOT NULL
 * timestamp or date in the partition key or the primary key (rows appended by time, as
 * pagila's payments). A nullable column is never suggested: a row whose cursor is NULL would
 * never be read by an incremental load.
 */
export function suggestCursor(
  table: DiscoveredTable,
  calls: Map<string, BuilderCall>,
): { column: string; reason: string } | undefined {
  const timeLike = (name: string) => {
    const method = calls.get(name)?.method;
    return method !== undefined && TIME_METHODS.has(method);
  };
  // SQL Server's change counter comes first: it increases on every write.
  const version = table.columns.find((c) => calls.get(c.name)?.method === 'rowversion');
  if (version && !version.nullable) {
    return { column: version.name, reason: 'the rowversion, which increases on every write' };
  }
  const notNull = table.columns.filter((c) => !c.nullable && timeLike(c.name));
  const updated = notNull.find((c) => UPDATED.test(contractName(c.name)));
  if (updated)
    return { column: updated.name, reason: 'a NOT NULL timestamp named like an update time' };
  const inPartition = notNull.find((c) => table.partitionKey.includes(c.name));
  if (inPartition)
    return {
      column: inPartition.name,
      reason: 'the NOT NULL timestamp the table is partitioned on',
    };
  const inKey = notNull.find((c) => table.primaryKey.includes(c.name));
  if (inKey) return { column: inKey.name, reason: 'a NOT NULL timestamp of the primary key' };
  return undefined;
}

/** Tables ordered parents first (by foreign key), otherwise by name; cycles keep name order. */
export function parentsFirst(tables: readonly DiscoveredTable[]): DiscoveredTable[] {
  const byName = new Map(tables.map((t) => [t.name, t]));
  const done = new Set<string>();
  const visiting = new Set<string>();
  const out: DiscoveredTable[] = [];
  const visit = (table: DiscoveredTable) => {
    if (done.has(table.name) || visiting.has(table.name)) return;
    visiting.add(table.name);
    for (const ref of table.references) {
      const parent = byName.get(ref);
      if (parent) visit(parent);
    }
    visiting.delete(table.name);
    done.add(table.name);
    out.push(table);
  };
  for (const table of [...tables].sort((a, b) => (a.name < b.name ? -1 : 1))) visit(table);
  return out;
}

/** The contracts a source datakit gets for a discovered schema, parents first. */
export function sourceModel(catalog: DiscoveredSchema): TableModel[] {
  const ordered = parentsFirst(catalog.tables);
  const tableNames = contractNames(ordered.map((t) => t.name));
  const constNames = new Set<string>();
  return ordered.map((table, index) => {
    const name = tableNames[index]!;
    let constName = pascalCase(name);
    while (constNames.has(constName)) constName = `${constName}Table`;
    constNames.add(constName);
    const names = contractNames(table.columns.map((c) => c.name));
    const columnCall = catalog.kind === 'sqlserver' ? sqlServerColumnCall : postgresColumnCall;
    const typed = table.columns.map((column) => ({ column, ...columnCall(column) }));
    const calls = new Map(typed.map((t) => [t.column.name, t.call]));
    const cursor = suggestCursor(table, calls);
    const columns = typed.map(({ column, call, note }, i): ColumnModel => {
      const modifiers: Modifier[] = [...call.modifiers];
      if (column.nullable) modifiers.push({ name: 'nullable' });
      if (table.primaryKey.includes(column.name)) modifiers.push({ name: 'primaryKey' });
      if (cursor?.column === column.name) modifiers.push({ name: 'cursor' });
      if (names[i] !== column.name) modifiers.push({ name: 'source', arg: column.name });
      if (column.comment) modifiers.push({ name: 'describe', arg: column.comment });
      const notes = [
        note,
        cursor?.column === column.name ? `The suggested cursor: ${cursor.reason}.` : undefined,
        cursor === undefined && column.nullable && UPDATED.test(names[i]!)
          ? 'Not the cursor: it is nullable, and an incremental load never sees a row whose cursor is NULL.'
          : undefined,
      ].filter((n): n is string => n !== undefined);
      return {
        name: names[i]!,
        call: { ...call, modifiers },
        ...(notes.length > 0 ? { note: notes.join(' ') } : {}),
      };
    });
    const live = `\`${catalog.schema}.${table.name}\``;
    const facts = [
      table.relation === 'partitioned'
        ? `partitioned on ${table.partitionKey.join(', ')}; reading it reads every partition`
        : table.relation === 'view'
          ? 'a view'
          : undefined,
      table.primaryKey.length === 0
        ? 'no primary key'
        : `key ${table.primaryKey.map((k) => names[table.columns.findIndex((c) => c.name === k)]).join(', ')}`,
      cursor === undefined
        ? 'no cursor suggested: read in full'
        : `cursor ${names[table.columns.findIndex((c) => c.name === cursor.column)]}`,
    ].filter(Boolean);
    return {
      constName,
      name,
      ...(name === table.name ? {} : { sourceName: table.name }),
      schema: contractName(catalog.schema),
      ...(table.comment ? { description: table.comment } : {}),
      columns,
      doc: `${live}: ${facts.join('; ')}.`,
    };
  });
}
