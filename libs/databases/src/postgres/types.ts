import type { Dialect } from '../adapter.ts';

/** Spellings PostgreSQL accepts for one type, mapped to the one this library compares. */
const ALIASES: Readonly<Record<string, string>> = {
  int: 'integer',
  int4: 'integer',
  int2: 'smallint',
  int8: 'bigint',
  bool: 'boolean',
  float8: 'double precision',
  float4: 'real',
  float: 'double precision',
  decimal: 'numeric',
  'character varying': 'varchar',
  character: 'char',
  bpchar: 'char',
  'timestamp with time zone': 'timestamptz',
  'timestamp without time zone': 'timestamp',
  'time with time zone': 'timetz',
  'time without time zone': 'time',
  varbit: 'bit varying',
};

/**
 * Normalises a SQL type's spelling so two spellings of one type compare equal:
 * `character varying(45)` and `varchar(45)`, `timestamp with time zone` and `timestamptz`,
 * `int4` and `integer`, `numeric(5, 2)` and `numeric(5,2)`, `public.mpaa_rating` and
 * `mpaa_rating`, `float(24)` and `real`, `float8` and `double precision`, `varbit(12)` and
 * `bit varying(12)`, `bit` and `bit(1)`; `_text` is not handled (use `text[]`, as `format_type`
 * prints it).
 */
export function normalizeSqlType(sqlType: string): string {
  let type = sqlType.trim().toLowerCase().replace(/\s+/g, ' ').replace(/"/g, '');
  let arraySuffix = '';
  while (type.endsWith('[]')) {
    arraySuffix += '[]';
    type = type.slice(0, -2).trim();
  }
  // A type modifier may sit in the middle: `timestamp(3) with time zone`, `character varying(45)`.
  const match =
    /^([a-z_][a-z0-9_. ]*?)\s*(\(\s*[0-9]+(?:\s*,\s*[0-9]+)?\s*\))?\s*(with time zone|without time zone)?$/.exec(
      type,
    );
  if (match === null) return `${type}${arraySuffix}`;
  const [, rawName = '', rawModifier, zone] = match;
  let name = rawName.trim();
  // Schema-qualified user types (enums, domains) compare by their own name.
  if (name.includes('.')) name = name.slice(name.lastIndexOf('.') + 1);
  if (zone !== undefined) name = `${name} ${zone}`;
  name = ALIASES[name] ?? name;
  const modifier = rawModifier === undefined ? '' : rawModifier.replace(/\s+/g, '');
  // `float(p)` is real up to 24 binary digits, double precision above (as PostgreSQL maps it).
  if (name === 'double precision' && rawName.trim() === 'float' && modifier !== '') {
    const digits = Number(modifier.slice(1, -1));
    return `${digits <= 24 ? 'real' : 'double precision'}${arraySuffix}`;
  }
  // `char` and `bit` without a length are char(1) and bit(1) in PostgreSQL.
  if (name === 'char' && modifier === '') return `char(1)${arraySuffix}`;
  if (name === 'bit' && modifier === '') return `bit(1)${arraySuffix}`;
  return `${name}${modifier}${arraySuffix}`;
}

/** PostgreSQL's SQL, as the drift check compares it. */
export const postgresDialect: Dialect = { kind: 'postgres', normalizeType: normalizeSqlType };
