import { realpathSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';
import { dockerSocketPath } from '@datakit/docker';
import { ConfigError } from '@datakit/errors';
import { locateFields, sensitivePathProblem } from '@datakit/warehouse';
import type { DesiredState } from '../../desired-state.ts';
import type { DockerHostPaths } from './config.ts';
import { jobSecretFiles, sidecarSecretFiles, type SecretFile } from './map-secret-files.ts';

/** One refused host path: the warehouse.yaml field it is shown at, and what is wrong. */
interface HostPathProblem {
  /** The field's path in warehouse.yaml, for its line; undefined when it has none. */
  at: readonly PropertyKey[] | undefined;
  /** `<field>: <what was found>`. */
  text: string;
}

/**
 * Checks every host path a Docker deploy would mount before anything is created: each root of
 * `hostRoots` exists, is a folder and is neither a sensitive host path nor holds the Docker
 * socket; `secretsDir` and `krb5ConfigFile` exist (Docker would otherwise create an empty
 * folder in their place), are a folder and a file, are not a sensitive host path, and lie in
 * the warehouse folder or one of the roots once their links are followed; every secret file a
 * container gets exists in `secretsDir` as a regular file and does not lead out of it through a
 * link (so it lies in a root too).
 *
 * @throws ConfigError naming warehouse.yaml, and each field with its line, listing every problem
 *   at once.
 */
export function checkHostPaths(state: DesiredState, paths: DockerHostPaths): void {
  const env = `environments.${state.environmentName}`;
  const envPath = ['environments', state.environmentName];
  const problems: HostPathProblem[] = [];
  const socket = dockerSocketOf(state);
  const roots = checkRoots(state, paths, socket, problems);
  const allowed = { roots, socket };
  const secretsDir = checkPath(
    paths.secretsDir,
    { label: `${env}.secretsDir`, at: [...envPath, 'secretsDir'], kind: 'folder' },
    allowed,
    problems,
  );
  checkPath(
    paths.krb5ConfigFile,
    { label: `${env}.krb5ConfigFile`, at: [...envPath, 'krb5ConfigFile'], kind: 'file' },
    allowed,
    problems,
  );
  const files: SecretFile[] = [
    ...sidecarSecretFiles(state),
    ...state.jobs.flatMap((job) => jobSecretFiles(state, job)),
  ];
  if (files.length > 0 && paths.secretsDir === undefined) {
    problems.push({
      at: envPath,
      text: `${env}.secretsDir: is not set, but ${[...new Set(files.map((f) => f.field))].join(', ')} reference${files.length === 1 ? 's' : ''} files in it`,
    });
  }
  if (secretsDir !== undefined) {
    for (const file of files) {
      const at = fieldPathOf(file.field);
      const path = join(paths.secretsDir!, file.relativePath);
      const real = realPath(path);
      if (typeof real === 'object') {
        problems.push({
          at,
          text: real.denied
            ? `${file.field}: ${path} cannot be checked: permission denied (datakit mounts only what it can check; run it as a user who can read ${env}.secretsDir, e.g. root)`
            : `${file.field}: ${path} does not exist (looked for it in ${env}.secretsDir)`,
        });
      } else if (!real.startsWith(`${secretsDir}${sep}`)) {
        problems.push({
          at,
          text: `${file.field}: ${path} is a link that leads out of ${env}.secretsDir, to ${real}`,
        });
      } else if (!statSync(real).isFile()) {
        problems.push({ at, text: `${file.field}: ${path} is not a file` });
      }
    }
  }
  if (problems.length === 0) return;
  const file = join(state.dir, 'warehouse.yaml');
  const lineOf = locateFields(file);
  const lines = problems.map(({ at, text }) => {
    const line = at === undefined ? undefined : lineOf(at);
    return `  ${line === undefined ? '' : `line ${line}: `}${text}`;
  });
  throw new ConfigError(
    `${file}: the Docker environment "${state.environmentName}" mounts host paths that cannot be used; nothing was created:\n${[...new Set(lines)].join('\n')}`,
    {
      hint: `Host paths are relative to the warehouse folder and lie in it or in a folder of ${env}.hostRoots (e.g. hostRoots: ["../../.infra"]); a secretsDir holds only the secret files its references name.`,
    },
  );
}

/** The real paths of the folders host paths may lie in; a refused root is left out. */
function checkRoots(
  state: DesiredState,
  paths: DockerHostPaths,
  socket: string,
  problems: HostPathProblem[],
): { label: string; real: string }[] {
  const env = `environments.${state.environmentName}`;
  const [warehouseDir, ...declared] = paths.hostRoots;
  const roots: { label: string; real: string }[] = [];
  const warehouseReal = warehouseDir === undefined ? undefined : realPath(warehouseDir);
  if (typeof warehouseReal === 'string')
    roots.push({ label: 'the warehouse folder', real: warehouseReal });
  for (const [i, root] of declared.entries()) {
    const label = `${env}.hostRoots.${i}`;
    const at = ['environments', state.environmentName, 'hostRoots', i];
    const real = realPath(root);
    const shown = `${root}${typeof real === 'string' && real !== root ? ` (${real})` : ''}`;
    if (typeof real === 'object') {
      problems.push({
        at,
        text: real.denied
          ? `${label}: ${root} cannot be checked: permission denied`
          : `${label}: ${root} does not exist; expected a folder host paths may lie in`,
      });
      continue;
    }
    const why = sensitivePathProblem(real) ?? socketProblem(real, socket);
    if (why !== undefined) {
      problems.push({ at, text: `${label}: ${shown} ${why}; it cannot be a root of host paths` });
    } else if (!statSync(real).isDirectory()) {
      problems.push({ at, text: `${label}: ${root} is not a folder` });
    } else {
      roots.push({ label, real });
    }
  }
  return roots;
}

/** Checks one configured host path; returns its real path when it can be mounted. */
function checkPath(
  path: string | undefined,
  field: { label: string; at: readonly PropertyKey[]; kind: 'file' | 'folder' },
  allowed: { roots: { label: string; real: string }[]; socket: string },
  problems: HostPathProblem[],
): string | undefined {
  if (path === undefined) return undefined;
  const { label, at, kind } = field;
  const real = realPath(path);
  if (typeof real === 'object') {
    problems.push({
      at,
      text: real.denied
        ? `${label}: ${path} cannot be checked: permission denied (datakit mounts only what it can check)`
        : `${label}: ${path} does not exist; expected the ${kind} to mount`,
    });
    return undefined;
  }
  const shown = `${path}${real === path ? '' : ` (${real})`}`;
  const sensitive = sensitivePathProblem(real) ?? socketProblem(real, allowed.socket);
  if (sensitive !== undefined) {
    problems.push({ at, text: `${label}: ${shown} ${sensitive}; it is never mounted` });
    return undefined;
  }
  if (!allowed.roots.some((root) => real === root.real || real.startsWith(`${root.real}${sep}`))) {
    problems.push({
      at,
      text: `${label}: ${shown} lies outside ${allowed.roots.map((root) => `${root.label} (${root.real})`).join(' and ') || 'the warehouse folder'}; declare a folder holding it in ${label.replace(/\.[^.]+$/, '')}.hostRoots, or move it there`,
    });
    return undefined;
  }
  const isFolder = statSync(real).isDirectory();
  if (kind === 'folder' ? !isFolder : !statSync(real).isFile()) {
    problems.push({ at, text: `${label}: ${path} is not a ${kind}` });
    return undefined;
  }
  return real;
}

/**
 * The Docker engine's socket on this machine, links followed: the environment's dockerHost, else
 * DOCKER_HOST when it names a socket, else /var/run/docker.sock.
 */
function dockerSocketOf(state: DesiredState): string {
  const env = state.environment;
  const socket = dockerSocketPath(env.driver === 'docker' ? env.dockerHost : undefined);
  const real = realPath(socket);
  return typeof real === 'string' ? real : socket;
}

/** Why `path` may not be mounted because it is or holds the Docker socket, or undefined. */
function socketProblem(path: string, socket: string): string | undefined {
  return path === socket || socket.startsWith(`${path}${sep}`)
    ? `holds the Docker engine's socket ${socket}`
    : undefined;
}

/**
 * The warehouse.yaml field a secret file's label names (`datakits.<d>.source (password)`,
 * `kerberos.keytab`, `secrets.delinea.credentialsFile`): names are DNS labels, without dots.
 */
function fieldPathOf(label: string): string[] {
  return label.replace(/ \(.*\)$/, '').split('.');
}

/** The path with its links resolved, or why it has none (missing, or not ours to look at). */
function realPath(path: string): string | { denied: boolean } {
  try {
    return realpathSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { denied: code === 'EACCES' || code === 'EPERM' };
  }
}
