// The DDL a warehouse owner runs on PostgreSQL before a datakit upgrade is deployed: derived
// from the contract diff between the version that made the tables and the one about to load
// them. Only target tables are the warehouse's to change; a source change needs no DDL here.
import type {
  ColumnSpec,
  ContractChange,
  ContractDiff,
  DiffableSpec,
  ElementSpec,
  TableSpec,
} from '@datakit/contracts';
import { BOOKKEEPING_SCHEMA } from './write/bookkeeping.ts';
import { ident, literal, qualified } from './write/sql.ts';

/** One step of a migration: what it is for, and the SQL (commented out when it loses data). */
export interface MigrationStep {
  /** The change it answers, as the diff words it. */
  change: string;
  /** The statements, each ending in `;`. Lines starting with `--` are for a person to decide. */
  sql: string[];
}

/**
 * The migration of a target warehouse from the tables one version of a datakit made to what
 * the next version loads, one step per change of a target table that needs one:
 * - a column added: `ADD COLUMN` (a required one: added nullable, to fill, then `SET NOT NULL`);
 * - a column removed: its `NOT NULL` dropped, so loads that no longer write it go on; the
 *   `DROP COLUMN` is left commented (it loses data);
 * - a type changed or widened: `ALTER COLUMN ... TYPE ... USING`;
 * - nullability tightened or relaxed: `SET` / `DROP NOT NULL`;
 * - the primary key changed: the old key dropped and the new one added;
 * - the cursor changed, or the table renamed: the saved cursor forgotten (the next run reads the
 *   whole source once), the table renamed with `ALTER TABLE ... RENAME`;
 * - a table no longer loaded: its `DROP TABLE`, commented.
 * Additive changes a datakit's `evolve` policy makes itself get their step too, so the printed
 * migration is complete. Source-side, write-mode and table-added changes need none.
 */
export function migrationSteps(
  diff: ContractDiff,
  from: DiffableSpec | undefined,
  to: DiffableSpec,
): MigrationStep[] {
  const tablesTo = byName(to.contracts);
  const tablesFrom = byName(from?.contracts ?? []);
  const steps: MigrationStep[] = [];
  for (const change of diff.changes) {
    if (change.role === 'source') continue;
    const table = tablesTo.get(change.table) ?? tablesFrom.get(change.table);
    if (table === undefined) continue;
    const sql = stepSql(change, table, tablesTo.get(change.table), tablesFrom);
    if (sql.length > 0) steps.push({ change: change.message, sql });
  }
  return steps;
}

/** The steps as one script a person can read and run with psql. */
export function formatMigration(steps: readonly MigrationStep[]): string {
  if (steps.length === 0) return '-- no DDL is needed';
  return steps.map((step) => [`-- ${step.change}`, ...step.sql].join('\n')).join('\n\n');
}

function stepSql(
  change: ContractChange,
  table: TableSpec,
  now: TableSpec | undefined,
  before: Map<string, TableSpec>,
): string[] {
  const name = qualified(table.schema, table.name);
  const column = change.column === undefined ? undefined : columnOf(now, change.column);
  const col = change.column === undefined ? '' : ident(change.column);
  switch (change.kind) {
    case 'column-added':
      if (column === undefined) return [];
      return column.nullable
        ? [`ALTER TABLE ${name} ADD COLUMN IF NOT EXISTS ${col} ${sqlType(column, table.schema)};`]
        : [
            `ALTER TABLE ${name} ADD COLUMN IF NOT EXISTS ${col} ${sqlType(column, table.schema)};`,
            `-- fill ${change.column} for the rows already loaded (UPDATE ${name} SET ${col} = ...), then:`,
            `ALTER TABLE ${name} ALTER COLUMN ${col} SET NOT NULL;`,
          ];
    case 'column-removed':
      return [
        `ALTER TABLE ${name} ALTER COLUMN ${col} DROP NOT NULL;`,
        `-- the column is no longer loaded; drop it when nothing reads it (its data is lost):`,
        `-- ALTER TABLE ${name} DROP COLUMN ${col};`,
      ];
    case 'type-changed':
    case 'type-widened': {
      if (column === undefined) return [];
      const type = sqlType(column, table.schema);
      return [
        ...enumTypeSql(column, table.schema),
        `ALTER TABLE ${name} ALTER COLUMN ${col} TYPE ${type} USING ${col}::${type};`,
      ];
    }
    case 'nullability-tightened':
      return [
        `-- every row must have a value first: SELECT count(*) FROM ${name} WHERE ${col} IS NULL;`,
        `ALTER TABLE ${name} ALTER COLUMN ${col} SET NOT NULL;`,
      ];
    case 'nullability-relaxed':
      return [`ALTER TABLE ${name} ALTER COLUMN ${col} DROP NOT NULL;`];
    case 'primary-key-changed': {
      const key = now?.primaryKey ?? [];
      return [
        `ALTER TABLE ${name} DROP CONSTRAINT IF EXISTS ${ident(`${table.name}_pkey`)};`,
        ...(key.length === 0
          ? []
          : [`ALTER TABLE ${name} ADD PRIMARY KEY (${key.map(ident).join(', ')});`]),
      ];
    }
    case 'cursor-changed':
      return [forgetCursor(table)];
    case 'target-renamed': {
      const old = change.from === undefined ? undefined : before.get(change.from);
      if (old === undefined) return [];
      const oldName = qualified(old.schema, old.name);
      return [
        ...(old.schema === table.schema
          ? [`ALTER TABLE ${oldName} RENAME TO ${ident(table.name)};`]
          : [
              `ALTER TABLE ${oldName} SET SCHEMA ${ident(table.schema)};`,
              ...(old.name === table.name
                ? []
                : [
                    `ALTER TABLE ${qualified(table.schema, old.name)} RENAME TO ${ident(table.name)};`,
                  ]),
            ]),
        forgetCursor(old),
      ];
    }
    case 'table-removed':
      return [
        `-- the table is no longer loaded; drop it when nothing reads it (its data is lost):`,
        `-- DROP TABLE ${name};`,
      ];
    default:
      return [];
  }
}

/** Forgets a table's saved cursor: its next run reads the whole source once and merges it. */
function forgetCursor(table: TableSpec): string {
  return `DELETE FROM ${ident(BOOKKEEPING_SCHEMA)}.cursors WHERE target_table = ${literal(
    `${table.schema}.${table.name}`,
  )};`;
}

function byName(tables: readonly TableSpec[]): Map<string, TableSpec> {
  return new Map(tables.map((t) => [`${t.schema}.${t.name}`, t]));
}

function columnOf(table: TableSpec | undefined, name: string): ColumnSpec | undefined {
  return table?.columns.find((c) => c.name === name);
}

/** The column's type in the target: a named enum type is the target schema's own. */
function sqlType(column: ElementSpec, schema: string): string {
  if (column.kind === 'array' && column.element !== undefined) {
    return `${sqlType(column.element, schema)}[]`;
  }
  return isEnumType(column) ? qualified(schema, column.sqlType) : column.sqlType;
}

function isEnumType(column: ElementSpec): boolean {
  return column.kind === 'enum' && column.sqlType !== 'text';
}

/** The enum type a changed column needs, created if missing (the loader does the same). */
function enumTypeSql(column: ElementSpec, schema: string): string[] {
  const meta = column.kind === 'array' ? (column.element ?? column) : column;
  if (!isEnumType(meta)) return [];
  const values = (meta.values ?? []).map(literal).join(', ');
  return [
    `DO $datakit$ BEGIN CREATE TYPE ${qualified(schema, meta.sqlType)} AS ENUM (${values}); ` +
      'EXCEPTION WHEN duplicate_object THEN NULL; END $datakit$;',
  ];
}
