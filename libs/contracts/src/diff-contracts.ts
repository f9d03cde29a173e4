import type { ColumnSpec, ElementSpec, TableSpec } from './describe-table.ts';
import type { WriteMode } from './write-mode.ts';

/** One table of a datakit as its spec describes it: the parts a contract diff compares. */
export interface DiffableTransform {
  /** The transform's name, which identifies a table across versions when its target moves. */
  name: string;
  /** `schema.table` of the source contract. */
  source: string;
  /** `schema.table` of the target contract. */
  target: string;
  /** The write mode used unless a pin overrides it. */
  mode?: WriteMode;
  /** The modes a pin may choose (absent in images built before modes were declared). */
  modes?: readonly WriteMode[];
  /**
   * A keyless target's dedup rule: the target columns a merge upserts on (every data column
   * for `'row'`), empty for none; absent in images built before dedup rules were declared.
   */
  dedupOn?: readonly string[];
}

/** The parts of a datakit spec (the `spec` verb's line, the image's spec label) a diff reads. */
export interface DiffableSpec {
  /** Source and target contracts, as `describeTable` gives them. */
  contracts: readonly TableSpec[];
  /** Which transform maps which source to which target; absent for a spec without transforms. */
  transforms?: readonly DiffableTransform[];
}

/** Whether a change can break a warehouse pinned to the older version. */
export type ChangeClass = 'breaking' | 'additive';

/** What changed, in one word. */
export type ChangeKind =
  | 'table-added'
  | 'table-removed'
  | 'target-renamed'
  | 'column-added'
  | 'column-removed'
  | 'type-widened'
  | 'type-changed'
  | 'nullability-relaxed'
  | 'nullability-tightened'
  | 'source-renamed'
  | 'primary-key-changed'
  | 'cursor-changed'
  | 'write-mode-added'
  | 'write-mode-removed'
  | 'default-mode-changed'
  | 'dedup-changed';

/** One classified change between two versions of a datakit's contracts. */
export interface ContractChange {
  class: ChangeClass;
  kind: ChangeKind;
  /** `schema.table` in the newer version (the older one's for a removed table). */
  table: string;
  /** `source` or `target` when the transforms say which the table is. */
  role?: 'source' | 'target';
  /** The column, for column-level changes. */
  column?: string;
  /** The old value (a type, a key, a mode list), when there is one. */
  from?: string;
  /** The new value. */
  to?: string;
  /** One sentence for a person: what changed, and why it breaks when it does. */
  message: string;
}

/** Every change between two versions, table by table and column by column. */
export interface ContractDiff {
  /** Ordered by table, then table-level before column-level changes, then column name. */
  changes: ContractChange[];
  /** Whether any change is breaking. */
  breaking: boolean;
  /** The smallest semver bump that is honest about the changes. */
  requiredBump: 'major' | 'minor' | 'patch';
}

/**
 * Compares two versions of a datakit's contracts table by table and column by column and
 * classifies each change. Breaking: a table or column removed, a type narrowed or changed, a
 * column made required (or added as required), a primary key, cursor, source name or a
 * transform's target changed, a write mode removed or the default mode changed, a keyless
 * table's dedup rule changed or removed (merges match rows differently). Additive: a
 * table or nullable column added, a type widened (`varchar(10)` to `varchar(20)` or `text`,
 * `bit varying(8)` to `bit varying(12)`, `bit(8)` to `bit varying(8)`, `integer` to `bigint`,
 * numeric precision up, enum values added), nullability relaxed, a write
 * mode added, a dedup rule declared where there was none (a merge becomes possible). Descriptions and column order are not compared (the contract hash ignores them
 * too). `from` undefined means no earlier version: every table is added.
 */
export function diffContracts(from: DiffableSpec | undefined, to: DiffableSpec): ContractDiff {
  const changes: ContractChange[] = [];
  const old = tablesOf(from);
  const now = tablesOf(to);
  const roles = rolesOf([...(from?.transforms ?? []), ...(to.transforms ?? [])]);
  const role = (table: string) => roles.get(table);
  const add = (change: Omit<ContractChange, 'role'>) => {
    const r = role(change.table);
    changes.push(r === undefined ? change : { ...change, role: r });
  };

  // A transform whose target moved is one renamed table, diffed column by column, not a
  // removal and an addition.
  const renamed = new Map<string, string>();
  const oldTransforms = new Map((from?.transforms ?? []).map((t) => [t.name, t]));
  for (const t of to.transforms ?? []) {
    const before = oldTransforms.get(t.name);
    if (before && before.target !== t.target && old.has(before.target) && !now.has(before.target)) {
      if (!old.has(t.target) && now.has(t.target)) renamed.set(t.target, before.target);
    }
  }
  const renamedFrom = new Set(renamed.values());

  for (const [name, table] of now) {
    const previousName = renamed.get(name) ?? name;
    const previous = old.get(previousName);
    if (previous === undefined) {
      add({
        class: 'additive',
        kind: 'table-added',
        table: name,
        message: `table ${name} is new (${table.columns.length} columns)`,
      });
      continue;
    }
    if (previousName !== name) {
      add({
        class: 'breaking',
        kind: 'target-renamed',
        table: name,
        from: previousName,
        to: name,
        message: `the target ${previousName} is now ${name}: the old table is no longer loaded`,
      });
    }
    diffTable(previous, table, name, add, previousName !== name);
  }
  for (const [name, table] of old) {
    if (now.has(name) || renamedFrom.has(name)) continue;
    add({
      class: 'breaking',
      kind: 'table-removed',
      table: name,
      message: `table ${name} is removed (it had ${table.columns.length} columns)`,
    });
  }
  diffTransforms(from?.transforms ?? [], to.transforms ?? [], add);

  changes.sort(byPlace);
  const breaking = changes.some((c) => c.class === 'breaking');
  return {
    changes,
    breaking,
    requiredBump: breaking ? 'major' : changes.length > 0 ? 'minor' : 'patch',
  };
}

type Add = (change: Omit<ContractChange, 'role'>) => void;

function diffTable(
  old: TableSpec,
  now: TableSpec,
  table: string,
  add: Add,
  renamed: boolean,
): void {
  // A renamed target's source name follows its name; the rename is the change.
  if (!renamed && (old.sourceName ?? old.name) !== (now.sourceName ?? now.name)) {
    add({
      class: 'breaking',
      kind: 'source-renamed',
      table,
      from: old.sourceName ?? old.name,
      to: now.sourceName ?? now.name,
      message: `the table is read from ${now.sourceName ?? now.name} instead of ${old.sourceName ?? old.name}`,
    });
  }
  const oldKey = [...old.primaryKey].sort().join(', ');
  const newKey = [...now.primaryKey].sort().join(', ');
  if (oldKey !== newKey) {
    add({
      class: 'breaking',
      kind: 'primary-key-changed',
      table,
      from: `(${oldKey})`,
      to: `(${newKey})`,
      message: `primary key (${oldKey}) is now (${newKey}): merges match rows differently`,
    });
  }
  if (old.cursor !== now.cursor) {
    add({
      class: 'breaking',
      kind: 'cursor-changed',
      table,
      from: old.cursor ?? 'none',
      to: now.cursor ?? 'none',
      message: `cursor ${old.cursor ?? 'none'} is now ${now.cursor ?? 'none'}: the stored cursor no longer applies`,
    });
  }
  const oldColumns = new Map(old.columns.map((c) => [c.name, c]));
  const newColumns = new Map(now.columns.map((c) => [c.name, c]));
  for (const [name, column] of newColumns) {
    const before = oldColumns.get(name);
    if (before === undefined) {
      add(
        column.nullable
          ? {
              class: 'additive',
              kind: 'column-added',
              table,
              column: name,
              to: typeText(column),
              message: `column ${name} ${typeText(column)} is added (nullable)`,
            }
          : {
              class: 'breaking',
              kind: 'column-added',
              table,
              column: name,
              to: `${typeText(column)} not null`,
              message: `column ${name} ${typeText(column)} is added as required (not null): existing rows and sources have no value for it`,
            },
      );
      continue;
    }
    diffColumn(before, column, table, add);
  }
  for (const [name, column] of oldColumns) {
    if (newColumns.has(name)) continue;
    add({
      class: 'breaking',
      kind: 'column-removed',
      table,
      column: name,
      from: typeText(column),
      message: `column ${name} ${typeText(column)} is removed`,
    });
  }
}

function diffColumn(old: ColumnSpec, now: ColumnSpec, table: string, add: Add): void {
  const column = now.name;
  if (old.sourceName !== now.sourceName) {
    add({
      class: 'breaking',
      kind: 'source-renamed',
      table,
      column,
      from: old.sourceName,
      to: now.sourceName,
      message: `column ${column} is read from ${now.sourceName} instead of ${old.sourceName}`,
    });
  }
  const change = compareTypes(old, now);
  if (change !== 'same') {
    const widened = change === 'widened';
    add({
      class: widened ? 'additive' : 'breaking',
      kind: widened ? 'type-widened' : 'type-changed',
      table,
      column,
      from: typeText(old),
      to: typeText(now),
      message: `column ${column} ${typeText(old)} is now ${typeText(now)}${
        widened
          ? ' (widened: every old value still fits)'
          : change === 'narrowed'
            ? ' (narrowed)'
            : ''
      }`,
    });
  }
  if (old.nullable !== now.nullable) {
    add(
      now.nullable
        ? {
            class: 'additive',
            kind: 'nullability-relaxed',
            table,
            column,
            from: 'not null',
            to: 'null',
            message: `column ${column} may now be null`,
          }
        : {
            class: 'breaking',
            kind: 'nullability-tightened',
            table,
            column,
            from: 'null',
            to: 'not null',
            message: `column ${column} is now required (not null)`,
          },
    );
  }
}

/** How many decimal digits each integer kind needs, to compare it with a numeric. */
const INTEGER_DIGITS = { smallint: 5, integer: 10, bigint: 19 } as const;
const INTEGER_RANK = { smallint: 0, integer: 1, bigint: 2 } as const;
type IntegerKind = keyof typeof INTEGER_RANK;
const isInteger = (kind: string): kind is IntegerKind => kind in INTEGER_RANK;

/** Compares the value domain of two column types (nullability apart). */
function compareTypes(
  old: ElementSpec,
  now: ElementSpec,
): 'same' | 'widened' | 'narrowed' | 'changed' {
  if (isInteger(old.kind) && isInteger(now.kind)) {
    const rank = INTEGER_RANK[now.kind] - INTEGER_RANK[old.kind];
    const range = compareRange(old, now);
    if (old.domain !== now.domain) return 'changed';
    if (rank === 0) return range;
    if (rank > 0) return range === 'narrowed' ? 'changed' : 'widened';
    return 'narrowed';
  }
  if (isInteger(old.kind) && now.kind === 'numeric') {
    if (now.precision === undefined) return 'widened';
    return now.precision - (now.scale ?? 0) >= INTEGER_DIGITS[old.kind] ? 'widened' : 'narrowed';
  }
  if (old.kind === 'real' && now.kind === 'double') return 'widened';
  if (old.kind === 'double' && now.kind === 'real') return 'narrowed';
  // A bit(n) value is a bit varying value of the same length: varbit(m >= n) keeps them all.
  if (old.kind === 'bit' && now.kind === 'varbit' && old.domain === now.domain) {
    return now.maxLength === undefined || now.maxLength >= (old.maxLength ?? 1)
      ? 'widened'
      : 'narrowed';
  }
  if (old.kind === 'varbit' && now.kind === 'bit') return 'narrowed';
  const text = (k: string) => k === 'varchar' || k === 'text';
  if (text(old.kind) && text(now.kind)) {
    if (old.domain !== now.domain) return 'changed';
    return compareLength(old.maxLength, now.maxLength);
  }
  if (old.kind !== now.kind) return 'changed';
  if (old.domain !== now.domain) return 'changed';
  switch (now.kind) {
    case 'char':
    case 'bit':
      // char(n) pads to n and bit(n) holds exactly n bits: another length changes every value.
      return old.maxLength === now.maxLength ? 'same' : 'changed';
    case 'varbit':
      return compareLength(old.maxLength, now.maxLength);
    case 'numeric':
      return compareNumeric(old, now);
    case 'enum': {
      const before = new Set(old.values ?? []);
      const after = new Set(now.values ?? []);
      const lost = [...before].some((v) => !after.has(v));
      const gained = [...after].some((v) => !before.has(v));
      return lost ? 'narrowed' : gained ? 'widened' : 'same';
    }
    case 'array': {
      if (old.element === undefined || now.element === undefined)
        return old.sqlType === now.sqlType ? 'same' : 'changed';
      const element = compareTypes(old.element, now.element);
      // An element that may now be null is wider; one that may not is narrower.
      if (element === 'same' && old.element.nullable !== now.element.nullable)
        return now.element.nullable ? 'widened' : 'narrowed';
      return element;
    }
    default:
      return old.sqlType === now.sqlType ? 'same' : 'changed';
  }
}

function compareLength(old: number | undefined, now: number | undefined) {
  if (old === now) return 'same';
  if (now === undefined) return 'widened';
  if (old === undefined) return 'narrowed';
  return now > old ? 'widened' : 'narrowed';
}

function compareRange(old: ElementSpec, now: ElementSpec): 'same' | 'widened' | 'narrowed' {
  const lower = (v: number | undefined) => v ?? -Infinity;
  const upper = (v: number | undefined) => v ?? Infinity;
  const widerLow = lower(now.min) < lower(old.min);
  const widerHigh = upper(now.max) > upper(old.max);
  const narrowerLow = lower(now.min) > lower(old.min);
  const narrowerHigh = upper(now.max) < upper(old.max);
  if (narrowerLow || narrowerHigh) return 'narrowed';
  return widerLow || widerHigh ? 'widened' : 'same';
}

/** numeric(p, s): wider when it keeps at least as many integer and as many fraction digits. */
function compareNumeric(old: ElementSpec, now: ElementSpec): 'same' | 'widened' | 'narrowed' {
  if (old.precision === now.precision && (old.scale ?? 0) === (now.scale ?? 0)) return 'same';
  if (now.precision === undefined) return 'widened';
  if (old.precision === undefined) return 'narrowed';
  const oldScale = old.scale ?? 0;
  const newScale = now.scale ?? 0;
  const wider = newScale >= oldScale && now.precision - newScale >= old.precision - oldScale;
  return wider ? 'widened' : 'narrowed';
}

function diffTransforms(
  old: readonly DiffableTransform[],
  now: readonly DiffableTransform[],
  add: Add,
): void {
  const before = new Map(old.map((t) => [t.name, t]));
  for (const t of now) {
    const previous = before.get(t.name);
    if (previous === undefined) continue;
    // Images from before modes were declared: nothing to compare.
    if (previous.modes !== undefined && t.modes !== undefined) {
      const removed = previous.modes.filter((m) => !t.modes!.includes(m));
      const added = t.modes.filter((m) => !previous.modes!.includes(m));
      if (removed.length > 0) {
        add({
          class: 'breaking',
          kind: 'write-mode-removed',
          table: t.target,
          from: previous.modes.join(', '),
          to: t.modes.join(', '),
          message: `write mode ${removed.join(', ')} is no longer supported (modes: ${t.modes.join(', ')}): a pin that chose it stops working`,
        });
      }
      if (added.length > 0) {
        add({
          class: 'additive',
          kind: 'write-mode-added',
          table: t.target,
          from: previous.modes.join(', '),
          to: t.modes.join(', '),
          message: `write mode ${added.join(', ')} is now supported`,
        });
      }
    }
    if (previous.mode !== undefined && t.mode !== undefined && previous.mode !== t.mode) {
      add({
        class: 'breaking',
        kind: 'default-mode-changed',
        table: t.target,
        from: previous.mode,
        to: t.mode,
        message: `the default write mode ${previous.mode} is now ${t.mode}: pins without a mode load differently`,
      });
    }
    diffDedup(previous, t, add);
  }
}

/**
 * A keyless target's dedup rule, compared as a set of columns (their order does not change
 * which rows a merge takes for one). Images from before dedup rules: nothing to compare.
 */
function diffDedup(previous: DiffableTransform, now: DiffableTransform, add: Add): void {
  if (previous.dedupOn === undefined || now.dedupOn === undefined) return;
  const from = [...previous.dedupOn].sort().join(', ');
  const to = [...now.dedupOn].sort().join(', ');
  if (from === to) return;
  const change = {
    kind: 'dedup-changed',
    table: now.target,
    from: `(${from})`,
    to: `(${to})`,
  } as const;
  if (from === '') {
    add({
      ...change,
      class: 'additive',
      message: `a dedup rule on (${to}) is declared: the keyless table may now be merged`,
    });
  } else {
    add({
      ...change,
      class: 'breaking',
      message:
        to === ''
          ? `the dedup rule on (${from}) is removed: the keyless table can no longer be merged`
          : `the dedup rule on (${from}) is now on (${to}): merges match rows differently`,
    });
  }
}

function tablesOf(spec: DiffableSpec | undefined): Map<string, TableSpec> {
  return new Map((spec?.contracts ?? []).map((t) => [`${t.schema}.${t.name}`, t]));
}

function rolesOf(transforms: readonly DiffableTransform[]): Map<string, 'source' | 'target'> {
  const roles = new Map<string, 'source' | 'target'>();
  for (const t of transforms) {
    roles.set(t.source, 'source');
    roles.set(t.target, 'target');
  }
  return roles;
}

/** `varchar(20)`, `numeric(10,2)`, `integer` (a domain named after it). */
function typeText(column: ElementSpec): string {
  const range =
    column.min !== undefined || column.max !== undefined
      ? ` [${column.min ?? ''}..${column.max ?? ''}]`
      : '';
  const values = column.kind === 'enum' && column.values ? ` (${column.values.join('|')})` : '';
  const domain = column.domain ? ` domain ${column.domain}` : '';
  return `${column.sqlType}${range}${values}${domain}`;
}

const TABLE_LEVEL: readonly ChangeKind[] = [
  'table-removed',
  'table-added',
  'target-renamed',
  'source-renamed',
  'primary-key-changed',
  'cursor-changed',
  'write-mode-removed',
  'write-mode-added',
  'default-mode-changed',
  'dedup-changed',
];

function byPlace(a: ContractChange, b: ContractChange): number {
  const key = (c: ContractChange) => [
    c.table,
    c.column === undefined ? '0' : '1',
    c.column ?? '',
    String(TABLE_LEVEL.indexOf(c.kind)),
  ];
  const ka = key(a);
  const kb = key(b);
  for (let i = 0; i < ka.length; i++) {
    if (ka[i]! < kb[i]!) return -1;
    if (ka[i]! > kb[i]!) return 1;
  }
  return 0;
}

/**
 * The diff as text for a person: one line per change, grouped by table, each marked
 * `!` (breaking) or `+` (additive), and a last line with the bump it needs.
 */
export function formatContractDiff(diff: ContractDiff): string {
  if (diff.changes.length === 0) return 'No contract changes.';
  const lines: string[] = [];
  let table: string | undefined;
  for (const change of diff.changes) {
    if (change.table !== table) {
      table = change.table;
      lines.push(`${table}${change.role ? ` (${change.role})` : ''}`);
    }
    lines.push(`  ${change.class === 'breaking' ? '! breaking' : '+ additive'}  ${change.message}`);
  }
  const breaking = diff.changes.filter((c) => c.class === 'breaking').length;
  const additive = diff.changes.length - breaking;
  lines.push(`${breaking} breaking, ${additive} additive: needs a ${diff.requiredBump} version`);
  return lines.join('\n');
}

/**
 * The diffable parts of a spec's JSON (the `spec` verb's line or an image's spec label), or
 * undefined when it has no list of contracts (not a datakit spec).
 */
export function diffableSpecOf(value: unknown): DiffableSpec | undefined {
  let parsed = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value) as unknown;
    } catch {
      return undefined;
    }
  }
  if (parsed === null || typeof parsed !== 'object') return undefined;
  const { contracts, transforms } = parsed as { contracts?: unknown; transforms?: unknown };
  if (!Array.isArray(contracts)) return undefined;
  return {
    contracts: contracts as TableSpec[],
    ...(Array.isArray(transforms) ? { transforms: transforms as DiffableTransform[] } : {}),
  };
}
