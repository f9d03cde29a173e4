import type { DiscoveredColumn } from '@datakit/databases';

import type { BuilderCall, Modifier } from '../_builder-call.ts';

/** The `col.*` call of a PostgreSQL type (`format_type` spelling), without modifiers. */
export interface TypeCall {
  call: BuilderCall;
  /** Why the type has no kind of its own (a `col.custom` column), for a comment. */
  note?: string;
}

const SIMPLE: Record<string, BuilderCall['method']> = {
  smallint: 'smallint',
  integer: 'integer',
  bigint: 'bigint',
  numeric: 'numeric',
  money: 'money',
  real: 'real',
  'double precision': 'double',
  text: 'text',
  boolean: 'boolean',
  date: 'date',
  'timestamp without time zone': 'timestamp',
  'timestamp with time zone': 'timestamptz',
  interval: 'interval',
  bytea: 'bytea',
  jsonb: 'jsonb',
  json: 'json',
  inet: 'inet',
  cidr: 'cidr',
  tsvector: 'tsvector',
  xml: 'xml',
  'bit varying': 'varbit',
  uuid: 'uuid',
};

const call = (
  method: BuilderCall['method'],
  args: BuilderCall['args'] = [],
  modifiers: Modifier[] = [],
) => ({
  method,
  args,
  modifiers,
});

/** The unqualified, unquoted name of a user type (`public.mpaa_rating` -> `mpaa_rating`). */
function typeName(type: string): string {
  const parts = type.match(/"[^"]*"|[^."]+/g) ?? [type];
  return (parts[parts.length - 1] ?? type).replace(/^"|"$/g, '');
}

/** Maps one built-in type spelled by `format_type` to its column kind. */
export function builtinCall(type: string): TypeCall {
  if (type.endsWith('[]')) {
    const element = builtinCall(type.slice(0, -2));
    if (element.call.method === 'array') {
      return { call: call('custom', [type]), note: 'multi-dimensional arrays have no kind' };
    }
    // PostgreSQL's catalog cannot forbid NULL elements (a NOT NULL column may still hold
    // '{a,NULL}'), so the element is nullable: a contract that refused them would reject rows.
    const nullableElement = {
      ...element.call,
      modifiers: [...element.call.modifiers, { name: 'nullable' as const }],
    };
    return {
      call: call('array', [nullableElement]),
      ...(element.note ? { note: element.note } : {}),
    };
  }
  const simple = SIMPLE[type];
  if (simple !== undefined) return { call: call(simple) };
  let m = /^numeric\((\d+),(\d+)\)$/.exec(type);
  if (m) return { call: call('numeric', [Number(m[1]), Number(m[2])]) };
  m = /^character varying\((\d+)\)$/.exec(type);
  if (m) return { call: call('varchar', [Number(m[1])]) };
  if (type === 'character varying') {
    return { call: call('text', [], [{ name: 'nativeType', arg: 'character varying' }]) };
  }
  m = /^character\((\d+)\)$/.exec(type);
  if (m) return { call: call('char', [Number(m[1])]) };
  m = /^bit\((\d+)\)$/.exec(type);
  if (m) return { call: call('bit', [Number(m[1])]) };
  if (type === 'bit') return { call: call('bit', [1]) };
  m = /^bit varying\((\d+)\)$/.exec(type);
  if (m) return { call: call('varbit', [Number(m[1])]) };
  // Types with a modifier the kind does not carry (timestamp(3), interval fields): the kind,
  // and the type as the database spells it, so the drift check compares it exactly.
  m = /^(timestamp|time)\(\d+\) (with|without) time zone$/.exec(type);
  if (m && m[1] === 'timestamp') {
    return {
      call: call(
        m[2] === 'with' ? 'timestamptz' : 'timestamp',
        [],
        [{ name: 'nativeType', arg: type }],
      ),
    };
  }
  if (/^interval\b/.test(type)) {
    return { call: call('interval', [], [{ name: 'nativeType', arg: type }]) };
  }
  return {
    call: call('custom', [type]),
    note: `${type} has no column kind: its values are PostgreSQL's text`,
  };
}

/** The `col.*` call of a live PostgreSQL column, with domain and enum resolved, without modifiers. */
export function postgresColumnCall(column: DiscoveredColumn): TypeCall {
  if (
    column.enumValues !== undefined &&
    column.enumValues.length > 0 &&
    column.domain === undefined
  ) {
    return { call: call('enum', [column.enumValues, { typeName: typeName(column.type) }]) };
  }
  if (column.domain !== undefined) {
    const base = column.domainBaseType ?? column.type;
    const inner = postgresColumnCall({
      ...column,
      type: base,
      domain: undefined,
    } as DiscoveredColumn);
    const method = inner.call.method;
    if ((method === 'integer' || method === 'smallint') && inner.call.args.length === 0) {
      const bounds = {
        ...(column.min === undefined ? {} : { min: column.min }),
        ...(column.max === undefined ? {} : { max: column.max }),
        domain: column.domain,
      };
      return { call: call(method, [bounds]) };
    }
    return {
      ...inner,
      call: {
        ...inner.call,
        modifiers: [...inner.call.modifiers, { name: 'domain', arg: column.domain }],
      },
    };
  }
  return builtinCall(column.type);
}
