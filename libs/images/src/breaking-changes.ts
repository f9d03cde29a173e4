// A datakit's breaking-change notes: per major version, what breaks for a warehouse that used
// the version before and the migration its owner runs. They live in the project's
// `breaking-changes.json` (written by `nx release` when it makes a breaking release, edited by
// the author), and every image carries all of them in a label, so `outdated`, `plan` and `pin`
// read them from the registry without running the image.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import { ConfigError } from '@datakit/errors';
import * as z from 'zod';

/** The file in a datakit project that holds its breaking-change notes. */
export const BREAKING_CHANGES_FILE = 'breaking-changes.json';

const VERSION = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/;

const noteSchema = z.strictObject({
  /** The version the notes were released from. */
  since: z.string().regex(VERSION, 'expected a version such as 1.4.2').optional(),
  /** What breaks, one sentence each (the contract diff's wording unless the author's). */
  changes: z.array(z.string().min(1)).min(1, 'expected at least one change'),
  /** The SQL a warehouse owner runs before deploying this version (may hold `--` comments). */
  migration: z.string(),
  /** Anything else the author wants an upgrading owner to read. */
  note: z.string().optional(),
});

const notesSchema = z.record(
  z.string().regex(VERSION, 'expected a version such as 2.0.0'),
  noteSchema,
);

/** What breaks in one version and the migration its owner runs. */
export type BreakingNote = z.infer<typeof noteSchema>;

/** A datakit's notes by the version that broke. */
export type BreakingNotes = Record<string, BreakingNote>;

/**
 * Reads `breaking-changes.json` of a datakit project; `{}` when there is none. A file that is
 * not valid is a ConfigError naming it and the field.
 */
export function readBreakingChanges(projectDir: string): BreakingNotes {
  const file = join(projectDir, BREAKING_CHANGES_FILE);
  if (!existsSync(file)) return {};
  return parseBreakingChanges(readFileSync(file, 'utf8'), file);
}

/** Parses and checks notes as the file or a label holds them; `where` names it in errors. */
export function parseBreakingChanges(text: string, where: string): BreakingNotes {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${where}: not valid JSON (${(error as Error).message}).`);
  }
  const parsed = notesSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.map(String).join('.');
    throw new ConfigError(
      `${where}: ${field === '' ? 'the file' : `field "${field}"`}: ${issue.message}.`,
      {
        hint: 'Expected {"2.0.0": {"since": "1.4.0", "changes": ["..."], "migration": "ALTER TABLE ..."}}.',
      },
    );
  }
  return parsed.data;
}

/** The label's text: the notes by version, in version order, so equal notes give equal digests. */
export function formatBreakingChanges(notes: BreakingNotes): string {
  const ordered = Object.keys(notes).sort(semver.compare);
  return JSON.stringify(Object.fromEntries(ordered.map((v) => [v, notes[v]])));
}

/** The notes of the versions an upgrade from `from` (excluded) to `to` (included) crosses. */
export function notesBetween(
  notes: BreakingNotes,
  from: string,
  to: string,
): { version: string; note: BreakingNote }[] {
  return Object.keys(notes)
    .filter((v) => semver.gt(v, from) && semver.lte(v, to))
    .sort(semver.compare)
    .map((version) => ({ version, note: notes[version]! }));
}
