import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigError, isDatakitError, type DatakitError } from '@datakit/errors';
import { lineOfField } from './locate-field.ts';
import { lockInputsDigest, lockSchema, parseLockReference, type Lock } from './lock-schema.ts';
import { warehouseSchema, type Warehouse } from './warehouse-schema.ts';

/** A warehouse folder, read and validated. */
export interface LoadedWarehouse {
  dir: string;
  file: string;
  warehouse: Warehouse;
  lockFile: string;
  /** Undefined when the warehouse has no lock yet. */
  lock: Lock | undefined;
}

/**
 * Reads `warehouse.yaml` (and `datakits.lock.json` if present) from a folder. Every problem in
 * a file is collected and reported at once, each naming the file, the line, the field and what
 * was expected. No partial result is ever returned.
 */
export function loadWarehouse(dir: string): LoadedWarehouse {
  const file = join(dir, 'warehouse.yaml');
  const lockFile = join(dir, 'datakits.lock.json');
  if (!existsSync(file)) {
    throw new ConfigError(`${file} does not exist.`, {
      hint: 'A warehouse is a folder with a warehouse.yaml; see warehouses/analytics for an example.',
    });
  }
  // A warehouse's identity is its folder: a copy renamed to another folder must not act on
  // (plan, deploy, report as) the warehouse it was copied from.
  const warehouse = parseWarehouseYaml(readConfigFile(file), file, {
    folderName: basename(resolve(dir)),
  });
  const lock = existsSync(lockFile) ? parseLockJson(readConfigFile(lockFile), lockFile) : undefined;
  if (lock !== undefined && lock.warehouse !== warehouse.name) {
    throw new ConfigError(
      `${lockFile}: field "warehouse" is "${lock.warehouse}" but ${file} names the warehouse "${warehouse.name}".`,
    );
  }
  return { dir, file, warehouse, lockFile, lock };
}

/** A warehouse folder that could not be loaded, and why. */
export interface WarehouseLoadFailure {
  dir: string;
  /** The folder's name: the warehouse's name, as far as it is known. */
  name: string;
  error: DatakitError;
}

/** Every warehouse folder under a root: those that loaded, and those that did not. */
export interface LoadWarehousesResult {
  loaded: LoadedWarehouse[];
  failed: WarehouseLoadFailure[];
}

/**
 * Loads every folder of `root` that holds a `warehouse.yaml` (a file or anything else by that
 * name), in name order. A folder that fails to load is returned with its error instead of
 * ending the whole walk, so commands over all warehouses report it and go on with the others.
 */
export function loadWarehouses(root: string): LoadWarehousesResult {
  const result: LoadWarehousesResult = { loaded: [], failed: [] };
  for (const name of readdirSync(root).sort()) {
    const dir = join(root, name);
    if (!existsSync(join(dir, 'warehouse.yaml'))) continue;
    try {
      result.loaded.push(loadWarehouse(dir));
    } catch (error) {
      if (!isDatakitError(error)) throw error;
      result.failed.push({ dir, name, error });
    }
  }
  return result;
}

/** Options of {@link parseWarehouseYaml}. */
export interface ParseWarehouseOptions {
  /**
   * The name of the folder holding the file: field `name` must equal it. Undefined when the text
   * has no folder (e.g. a generator's output before it is written).
   */
  folderName?: string;
}

/** Parses and validates warehouse.yaml text; `file` names it in errors. */
export function parseWarehouseYaml(
  text: string,
  file: string,
  options: ParseWarehouseOptions = {},
): Warehouse {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  // Warnings are refused too: an unknown tag (`!Ref`) would otherwise be dropped silently and
  // its node read as a plain value.
  const yamlProblems = [...document.errors, ...document.warnings];
  if (yamlProblems.length > 0) {
    const problems = yamlProblems.map((error) => {
      const pos = error.linePos?.[0];
      return `  ${pos ? `line ${pos.line}, column ${pos.col}: ` : ''}${(error.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '')}`;
    });
    throw new ConfigError(`${file} is not valid YAML:\n${problems.join('\n')}`);
  }
  let json: unknown;
  try {
    json = document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (cause) {
    // yaml throws a ReferenceError when aliases expand past the limit (a "billion laughs").
    if (!(cause instanceof ReferenceError)) throw cause;
    throw new ConfigError(
      `${file} is not valid YAML: its aliases (*name) expand to more than ${MAX_ALIAS_COUNT} nodes, which is refused as a resource exhaustion attack.`,
      {
        hint: 'Write the values out instead of repeating them through anchors and aliases.',
        cause,
      },
    );
  }
  // With its input, an issue tells a null (an unset outside the overrides) from a wrong value.
  const result = warehouseSchema.safeParse(json, { reportInput: true });
  const issues: z.core.$ZodIssue[] = result.success ? [] : [...result.error.issues];
  const { folderName } = options;
  const name: unknown = document.get('name');
  if (folderName !== undefined && typeof name === 'string' && name !== folderName) {
    issues.push({
      code: 'custom',
      path: ['name'],
      input: name,
      message: `is "${name}", but the folder is "${folderName}"; a warehouse's name must be its folder's name (rename one of them)`,
    });
  }
  if (result.success && issues.length === 0) return result.data;
  const lineOf = (path: PropertyKey[]): string => {
    const line = lineOfField(document, lineCounter, path);
    return line === undefined ? '' : `line ${line}: `;
  };
  throw new ConfigError(
    `${file} has ${plural(issues.length, 'problem')}:\n${formatIssues(issues, lineOf)}`,
    {
      hint: 'The JSON Schema libs/warehouse/schema/warehouse.schema.json gives editors completion for every field.',
    },
  );
}

/** How many alias expansions a warehouse.yaml may have (yaml's own default, made explicit). */
const MAX_ALIAS_COUNT = 100;

/**
 * Reads a configuration file as UTF-8. A path that is a folder, a file that cannot be read, or
 * any other file-system failure is a ConfigError naming the file.
 */
function readConfigFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const why =
      code === 'EISDIR'
        ? 'is a folder, not a file'
        : code === 'EACCES' || code === 'EPERM'
          ? 'cannot be read: permission denied'
          : `cannot be read: ${(cause as Error).message}`;
    throw new ConfigError(`${file} ${why}.`, {
      hint: 'A warehouse folder holds warehouse.yaml (and datakits.lock.json) as readable files.',
      cause,
    });
  }
}

/**
 * Throws unless every lock reference names the registry of one of the warehouse's
 * environments: a lock resolved against another registry is not this warehouse's.
 */
export function assertLockRegistries(
  warehouse: Warehouse,
  lock: Lock,
  lockFile: string,
  file: string,
): void {
  const registries = new Map<string, string>();
  for (const [name, env] of Object.entries(warehouse.environments)) {
    for (const host of registryHostForms(env.registry)) registries.set(host, name);
  }
  const entries: [string, string][] = [
    ...Object.entries(lock.datakits).map(([datakit, entry]): [string, string] => [
      `datakits.${datakit}.reference`,
      entry.reference,
    ]),
    ...(lock.sidecar === undefined
      ? []
      : [['sidecar.reference', lock.sidecar.reference] as [string, string]]),
  ];
  const problems = entries.flatMap(([field, reference]) => {
    const ref = parseLockReference(reference);
    if (ref === undefined || registries.has(ref.registry)) return [];
    return [
      `  field "${field}": names the registry ${ref.registry}, which no environment of ${file} uses (${Object.entries(
        warehouse.environments,
      )
        .map(([name, env]) => `${name}: ${env.registry}`)
        .join(', ')})`,
    ];
  });
  if (problems.length === 0) return;
  throw new ConfigError(
    `${lockFile} has ${plural(problems.length, 'problem')}:\n${problems.join('\n')}`,
    {
      hint: `Resolve the pins again against an environment's registry: \`datakit pin ${warehouse.name} --relock --env <environment>\`.`,
    },
  );
}

/** The host forms a registry as written may take in a lock reference (no scheme, no default port). */
function registryHostForms(written: string): string[] {
  const bare = written.replace(/^[a-z]+:\/\//i, '').replace(/\/+$/, '');
  return [bare, bare.replace(/:(443|80)$/, '')];
}

/** Parses and validates datakits.lock.json text; `file` names it in errors. */
export function parseLockJson(text: string, file: string): Lock {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new ConfigError(`${file} is not valid JSON: ${(cause as Error).message}.`, {
      hint: 'Recreate it with `datakit pin`.',
    });
  }
  const result = lockSchema.safeParse(json);
  if (result.success) return result.data;
  throw new ConfigError(
    `${file} has ${plural(result.error.issues.length, 'problem')}:\n${formatIssues(result.error.issues, () => '')}`,
    {
      hint: 'Recreate it with `datakit pin`.',
    },
  );
}

/**
 * Throws unless the lock was made from the pins warehouse.yaml has now (its inputs digest) and
 * holds exactly one entry per pinned datakit.
 */
export function assertLockInSync(loaded: LoadedWarehouse): Lock {
  const { lock, lockFile, file, warehouse } = loaded;
  if (lock === undefined) {
    throw new ConfigError(`${lockFile} does not exist: the pins of ${file} are not resolved.`, {
      hint: `Resolve them with \`datakit pin ${warehouse.name} <datakit>@<version>\`.`,
    });
  }
  const expected = lockInputsDigest(warehouse);
  const missing = Object.keys(warehouse.datakits).filter((name) => !(name in lock.datakits));
  const extra = Object.keys(lock.datakits).filter((name) => !(name in warehouse.datakits));
  const changed = Object.entries(warehouse.datakits)
    .filter(
      ([name, pin]) =>
        lock.datakits[name] !== undefined && lock.datakits[name].requested !== pin.version,
    )
    .map(
      ([name, pin]) =>
        `${name} (warehouse.yaml asks for "${pin.version}", the lock resolved "${lock.datakits[name]!.requested}")`,
    );
  if (lock.inputsDigest === expected && missing.length + extra.length + changed.length === 0) {
    // Checked here rather than on load, so `datakit pin --relock` can still replace such a lock.
    assertLockRegistries(warehouse, lock, lockFile, file);
    return lock;
  }
  const details = [
    ...missing.map((name) => `  ${name}: pinned in warehouse.yaml, missing from the lock`),
    ...extra.map((name) => `  ${name}: in the lock, no longer pinned in warehouse.yaml`),
    ...changed.map((text) => `  ${text}`),
  ];
  throw new ConfigError(
    `${lockFile} is out of sync with ${file}: field "inputsDigest" is ${lock.inputsDigest}, the pins now give ${expected}.${details.length ? `\n${details.join('\n')}` : ''}`,
    {
      hint: `Re-resolve with \`datakit pin ${warehouse.name} <datakit>@<version>\` for each changed pin.`,
    },
  );
}

function formatIssues(issues: z.core.$ZodIssue[], lineOf: (path: PropertyKey[]) => string): string {
  return issues
    .map((issue) => {
      const field = issue.path.length
        ? `field "${issue.path.map(String).join('.')}"`
        : 'the document';
      // An unknown key is shown at its own line, not at the object that holds it.
      const where =
        issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0] ?? ''] : issue.path;
      return `  ${lineOf(where)}${field}: ${describeIssue(issue)}`;
    })
    .join('\n');
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') {
    return `unknown ${issue.keys.length === 1 ? 'key' : 'keys'} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  }
  if (issue.code === 'invalid_key') {
    // zod words a bad record key "Invalid key in record"; the key's own problems say more.
    return issue.issues.map((inner) => inner.message).join('; ') || issue.message;
  }
  if (issue.code === 'invalid_type' && issue.message.includes('received undefined')) {
    return `is missing; expected ${issue.expected}`;
  }
  if (issue.code === 'invalid_type' && issue.input === null) {
    return `is null; expected ${issue.expected} (null unsets a field only in an environment's connections and kerberos overrides; elsewhere leave an optional field out)`;
  }
  return issue.message;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
