import { col } from '@datakit/contracts';
import type { ColumnBuilder } from '@datakit/contracts';
import { mssql } from '@datakit/databases';

/** A modifier call on a column builder, e.g. `.nullable()` or `.source('Order ID')`. */
export type Modifier =
  | { name: 'nullable' | 'primaryKey' | 'cursor' }
  | { name: 'source' | 'domain' | 'nativeType' | 'describe'; arg: string };

/** An argument of a `col.*` call: a number, a string, a list of strings, an options object or a column. */
export type BuilderArg =
  number | string | readonly string[] | Readonly<Record<string, number | string>> | BuilderCall;

/**
 * One column as data: the `col.*` constructor, its arguments and its modifiers. Rendered as
 * code by {@link renderCall} and built by {@link buildCall}, so the code written and the
 * contract it stands for (its hash) come from the same value.
 */
export interface BuilderCall {
  /** `col` (the PostgreSQL kinds) by default; `mssql` for SQL Server's column builders. */
  namespace?: 'col' | 'mssql';
  /** A constructor of the namespace, e.g. `numeric` of `col`, `nvarchar` of `mssql`. */
  method: string;
  args: readonly BuilderArg[];
  modifiers: readonly Modifier[];
}

function isCall(arg: BuilderArg): arg is BuilderCall {
  return typeof arg === 'object' && !Array.isArray(arg) && 'method' in arg;
}

function renderArg(arg: BuilderArg): string {
  if (typeof arg === 'number') return String(arg);
  if (typeof arg === 'string') return quote(arg);
  if (Array.isArray(arg)) return `[${arg.map((a: string) => quote(a)).join(', ')}]`;
  if (isCall(arg as BuilderArg)) return renderCall(arg as BuilderCall);
  const entries = Object.entries(arg as Record<string, number | string>);
  return `{ ${entries.map(([k, v]) => `${k}: ${typeof v === 'number' ? v : quote(v)}`).join(', ')} }`;
}

/** A single-quoted TypeScript string literal. */
export function quote(text: string): string {
  return `'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'").replaceAll('\n', '\\n')}'`;
}

/** The namespaces (`col`, `mssql`) a call and its arguments use. */
export function namespacesOf(call: BuilderCall): Set<'col' | 'mssql'> {
  const found = new Set<'col' | 'mssql'>([call.namespace ?? 'col']);
  for (const arg of call.args) if (isCall(arg)) for (const n of namespacesOf(arg)) found.add(n);
  return found;
}

/** The code of a column, e.g. `col.numeric(5, 2).nullable()`. */
export function renderCall(call: BuilderCall): string {
  const modifiers = call.modifiers.map((m) =>
    'arg' in m ? `.${m.name}(${quote(m.arg)})` : `.${m.name}()`,
  );
  return `${call.namespace ?? 'col'}.${call.method}(${call.args.map(renderArg).join(', ')})${modifiers.join('')}`;
}

/** The column builder the code of {@link renderCall} makes. */
export function buildCall(call: BuilderCall): ColumnBuilder<unknown> {
  const args = call.args.map((a) => (isCall(a) ? buildCall(a) : a));
  const builders = (call.namespace === 'mssql' ? mssql : col) as unknown as Record<
    string,
    ((...a: unknown[]) => ColumnBuilder<unknown>) | undefined
  >;
  const make = builders[call.method];
  if (make === undefined)
    throw new TypeError(`${call.namespace ?? 'col'}.${call.method} does not exist`);
  let builder = make(...args);
  for (const m of call.modifiers) {
    builder =
      'arg' in m
        ? (builder[m.name] as (arg: string) => ColumnBuilder<unknown>).call(builder, m.arg)
        : (builder[m.name] as () => ColumnBuilder<unknown>).call(builder);
  }
  return builder;
}
