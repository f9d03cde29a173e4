import { col } from '@datakit/contracts';
import type { ColumnBuilder } from '@datakit/contracts';

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
  method: keyof typeof col;
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

/** The code of a column, e.g. `col.numeric(5, 2).nullable()`. */
export function renderCall(call: BuilderCall): string {
  const modifiers = call.modifiers.map((m) =>
    'arg' in m ? `.${m.name}(${quote(m.arg)})` : `.${m.name}()`,
  );
  return `col.${call.method}(${call.args.map(renderArg).join(', ')})${modifiers.join('')}`;
}

/** The column builder the code of {@link renderCall} makes. */
export function buildCall(call: BuilderCall): ColumnBuilder<unknown> {
  const args = call.args.map((a) => (isCall(a) ? buildCall(a) : a));
  const make = col[call.method] as (...a: unknown[]) => ColumnBuilder<unknown>;
  let builder = make(...args);
  for (const m of call.modifiers) {
    builder =
      'arg' in m
        ? (builder[m.name] as (arg: string) => ColumnBuilder<unknown>).call(builder, m.arg)
        : (builder[m.name] as () => ColumnBuilder<unknown>).call(builder);
  }
  return builder;
}
