// verify's write-mode check: a pin's `mode` against the modes each table of the pinned image
// supports, read from its spec label, by the same rule the runtime applies when it runs.
import { defaultWriteMode, validWriteModes, writeModeRefusal } from '@datakit/contracts';
import type { TableSpec, WriteMode } from '@datakit/contracts';
import { parseSpecLabel } from './_spec-label.ts';

/** A pin's `mode`: one for every table, or per target table. */
type WriteModeChoice = WriteMode | Readonly<Record<string, WriteMode>>;

interface SpecTransform {
  target: string;
  mode?: WriteMode;
  /** Absent in images built before datakits declared their modes. */
  modes?: WriteMode[];
  cursor?: string | null;
  /** Absent in images built before cursor uniqueness was part of the rule: not unique. */
  cursorUnique?: boolean;
  /** Absent in images built before dedup rules existed: none. */
  dedupOn?: string[];
}

/** One refused mode: the pin's field (`mode`, `mode.<table>`), or null for the datakit's own. */
export interface WriteModeProblem {
  field: string | null;
  message: string;
}

/**
 * Every table whose effective mode (the pin's, else its datakit's own) would lose or double
 * rows, each naming the field and the table; empty when all are valid, undefined
 * when the label is not a spec with transforms. Images from before `modes` existed are judged
 * by the rule itself (a keyless table merged by default there is reported too).
 */
export function writeModeProblems(
  label: string,
  mode: WriteModeChoice | undefined,
): WriteModeProblem[] | undefined {
  const spec = parseSpecLabel(label);
  if (spec === undefined) return undefined;
  if (!Array.isArray(spec.contracts) || !Array.isArray(spec.transforms)) return undefined;
  const contracts = new Map(
    (spec.contracts as TableSpec[]).map((table) => [`${table.schema}.${table.name}`, table]),
  );
  const transforms = spec.transforms as SpecTransform[];
  const names = transforms.map((t) => t.target.slice(t.target.indexOf('.') + 1));
  const problems: WriteModeProblem[] = [];
  if (mode !== undefined && typeof mode !== 'string') {
    for (const key of Object.keys(mode).filter((key) => !names.includes(key))) {
      problems.push({
        field: `mode.${key}`,
        message: `not a table of this datakit (its tables: ${names.join(', ')})`,
      });
    }
  }
  transforms.forEach((transform, i) => {
    const name = names[i]!;
    const facts = {
      primaryKey: contracts.get(transform.target)?.primaryKey ?? [],
      cursor: transform.cursor ?? null,
      cursorUnique: transform.cursorUnique === true,
      dedupOn: transform.dedupOn ?? [],
    };
    // A spec without a mode per transform gets the default the runtime would give.
    const own = transform.mode ?? defaultWriteMode(facts);
    const chosen = typeof mode === 'string' ? mode : (mode?.[name] ?? own);
    const modes = transform.modes ?? validWriteModes(facts);
    if (modes.includes(chosen)) return;
    const refusal = writeModeRefusal(chosen, facts);
    problems.push({
      field: typeof mode === 'string' ? 'mode' : mode?.[name] === undefined ? null : `mode.${name}`,
      message: `${chosen} is not a mode of table ${transform.target} (it supports ${modes.join(', ') || 'none'})${refusal === undefined ? '' : `: ${refusal}`}`,
    });
  });
  return problems;
}
