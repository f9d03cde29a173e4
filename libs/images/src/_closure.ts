import { cpSync, existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ConfigError } from '@datakit/errors';

interface PackageJson {
  name: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

/**
 * Copies the production dependency closure of a package (its `dependencies`, theirs, and so
 * on, as npm installed them) into `target/<name>`, keeping nested node_modules where npm put
 * them. Returns the package names copied, sorted.
 */
export function stageDependencies(packageDir: string, target: string): string[] {
  const copied = new Map<string, string>();
  const visit = (fromDir: string, manifest: PackageJson): void => {
    const names = { ...manifest.dependencies, ...manifest.optionalDependencies };
    for (const name of Object.keys(names).sort()) {
      const found = findPackageDir(fromDir, name);
      if (found === undefined) {
        if (manifest.optionalDependencies?.[name] !== undefined) continue;
        throw new ConfigError(
          `${join(fromDir, 'package.json')}: dependency "${name}" is not installed.`,
          { hint: 'Run `npm ci` at the repository root.' },
        );
      }
      const dir = realpathSync(found);
      if (copied.has(dir)) continue;
      copied.set(dir, name);
      visit(dir, JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson);
    }
  };
  const manifestPath = join(packageDir, 'package.json');
  if (!existsSync(manifestPath)) return [];
  visit(packageDir, JSON.parse(readFileSync(manifestPath, 'utf8')) as PackageJson);
  for (const [dir, name] of copied) {
    // Nested copies (a package's own node_modules) come along with their parent's folder.
    if (isNested(dir)) continue;
    cpSync(dir, join(target, name), { recursive: true, dereference: true });
  }
  return [...new Set(copied.values())].sort();
}

/**
 * Node's lookup of a package folder (`node_modules/<name>` here, then in every parent folder),
 * without going through `exports`, which may hide `package.json`.
 */
function findPackageDir(fromDir: string, name: string): string | undefined {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

function isNested(dir: string): boolean {
  return dir.split('/node_modules/').length > 2;
}
