const IDENTIFIER = /^[a-z_][a-z0-9_$]*$/;

/**
 * The contract name of a live table or column: the name itself when it matches the contract
 * rule `^[a-z_][a-z0-9_$]*$`, otherwise snake_case of it (`CustomerID` -> `customer_id`,
 * `zip code` -> `zip_code`, `2fa` -> `_2fa`).
 */
export function contractName(live: string): string {
  if (IDENTIFIER.test(live)) return live;
  const snake = live
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9_$]+/g, '_')
    .replace(/_+/g, '_')
    .replace(/^_(?=[a-z])|_$/g, '');
  const name = snake === '' ? '_' : snake;
  return /^[a-z_]/.test(name) ? name : `_${name}`;
}

/**
 * Contract names for a list of live names, each unique: a live name that already is a contract
 * name keeps it; a renamed one that would clash gets `_2`, `_3`.
 */
export function contractNames(live: readonly string[]): string[] {
  const taken = new Set(live.filter((name) => IDENTIFIER.test(name)));
  return live.map((name) => {
    if (IDENTIFIER.test(name)) return name;
    const base = contractName(name);
    let candidate = base;
    for (let n = 2; taken.has(candidate); n += 1) candidate = `${base}_${n}`;
    taken.add(candidate);
    return candidate;
  });
}

/** `film_actor` -> `FilmActor`; a name that would start with a digit gets a `T` first. */
export function pascalCase(name: string): string {
  const pascal = name
    .split(/[^a-zA-Z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
  return /^[A-Z]/.test(pascal) ? pascal : `T${pascal}`;
}

/** `pagila-source` -> `pagilaSource`. */
export function camelCase(name: string): string {
  const pascal = pascalCase(name);
  return pascal[0]!.toLowerCase() + pascal.slice(1);
}

/** `film_actor` -> `film-actor` (file names). */
export function kebabCase(name: string): string {
  return name.replace(/[_$]+/g, '-').replace(/^-+|-+$/g, '') || 'table';
}
