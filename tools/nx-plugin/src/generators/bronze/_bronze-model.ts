import type { AnyTable, Column, ColumnMeta } from '@datakit/contracts';

import type { BuilderArg, BuilderCall, Modifier } from '../_builder-call.ts';
import { camelCase, pascalCase } from '../_names.ts';

/** One source contract the bronze datakit copies, and what the generated code names it. */
export interface BronzeTableModel {
  /** The source contract's exported constant, e.g. `FilmActor`. */
  sourceConst: string;
  source: AnyTable;
  /** `BronzeFilmActor`. */
  targetConst: string;
  /** `filmActorToBronze`. */
  transformConst: string;
  /** Target schema. */
  schema: string;
  /** Target columns (contract names of the source), in the source's order. */
  columns: { name: string; call: BuilderCall }[];
}

/**
 * The PostgreSQL column of the warehouse for a source column: the kind's own type (a source's
 * native spelling, such as SQL Server's `nvarchar(50)`, becomes the kind's PostgreSQL type),
 * lengths, precision and integer bounds kept, domains and enum types left to the source (an enum
 * is `text` restricted to its values), nullability, key and cursor as in the source.
 */
export function targetCall(meta: ColumnMeta, column?: Column): BuilderCall {
  const modifiers: Modifier[] = [];
  if (meta.nullable) modifiers.push({ name: 'nullable' });
  if (column?.primaryKey) modifiers.push({ name: 'primaryKey' });
  if (column?.cursor) modifiers.push({ name: 'cursor' });
  const call = (method: BuilderCall['method'], args: BuilderArg[] = []): BuilderCall => ({
    method,
    args,
    modifiers,
  });
  switch (meta.kind) {
    case 'smallint':
    case 'integer': {
      const bounds = {
        ...(meta.min === undefined ? {} : { min: meta.min }),
        ...(meta.max === undefined ? {} : { max: meta.max }),
      };
      return call(meta.kind, Object.keys(bounds).length === 0 ? [] : [bounds]);
    }
    case 'numeric':
      return call('numeric', meta.precision === undefined ? [] : [meta.precision, meta.scale ?? 0]);
    case 'varchar':
    case 'char':
    case 'bit':
      return call(meta.kind, [meta.maxLength ?? 1]);
    case 'varbit':
      return call('varbit', meta.maxLength === undefined ? [] : [meta.maxLength]);
    case 'enum':
      return call('enum', [meta.values ?? []]);
    case 'array':
      return call('array', [targetCall(meta.element!)]);
    case 'custom':
      return call('custom', [meta.sqlType]);
    default:
      return call(meta.kind);
  }
}

/** The bronze tables for the exported source contracts (name and table), in the given order. */
export function bronzeModel(
  sources: readonly { exportName: string; table: AnyTable }[],
  schema: string,
): BronzeTableModel[] {
  return sources.map(({ exportName, table }) => ({
    sourceConst: exportName,
    source: table,
    targetConst: `Bronze${pascalCase(table.name)}`,
    transformConst: `${camelCase(table.name)}ToBronze`,
    schema,
    columns: (Object.values(table.columns) as Column[]).map((column) => ({
      name: column.name,
      call: targetCall(column, column),
    })),
  }));
}
