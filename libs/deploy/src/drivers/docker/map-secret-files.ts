import { posix } from 'node:path';
import { CONTAINER_PATHS, dockerSecretFileOf } from '@datakit/warehouse';
import type { BindMount } from '@datakit/docker';
import { ConfigError } from '@datakit/errors';
import { formatSecretRef, parseSecretRef, type SecretRef } from '@datakit/secrets';
import type { DesiredJob, DesiredState } from '../../desired-state.ts';

/** One secret file a container gets: where its reference points and where it is on the host. */
export interface SecretFile {
  /** The warehouse.yaml field whose reference names it, e.g. `kerberos.keytab`. */
  field: string;
  /** The file's path below `secretsDir` (and below `CONTAINER_PATHS.dockerSecretsDir` in the container). */
  relativePath: string;
}

/**
 * The secret files the Kerberos sidecar reads: the keytab (a `file:` reference), or the Delinea
 * credentials when the keytab comes from Delinea. Never a connection's password.
 *
 * @throws ConfigError listing every reference that cannot be mounted on Docker.
 */
export function sidecarSecretFiles(state: DesiredState): SecretFile[] {
  if (state.sidecar === undefined) return [];
  const problems: string[] = [];
  const files = new Map<string, SecretFile>();
  collect(state, parseSecretRef(state.sidecar.keytab), 'kerberos.keytab', files, problems);
  throwProblems(state, problems);
  return [...files.values()];
}

/**
 * The secret files one datakit job reads: the passwords of its own source and target
 * connections (and the Delinea credentials when one of them comes from Delinea). Never the
 * keytab (only the sidecar reads it), never another connection's password.
 *
 * @throws ConfigError listing every reference that cannot be mounted on Docker.
 */
export function jobSecretFiles(state: DesiredState, job: DesiredJob): SecretFile[] {
  const problems: string[] = [];
  const files = new Map<string, SecretFile>();
  for (const side of ['source', 'target'] as const) {
    const password = job.config[side].password;
    if (password === undefined) continue;
    collect(state, password, `datakits.${job.datakit}.${side} (password)`, files, problems);
  }
  throwProblems(state, problems);
  return [...files.values()];
}

/** Read-only single-file mounts of `files` from `secretsDir` (an absolute host folder). */
export function secretMounts(secretsDir: string, files: SecretFile[]): BindMount[] {
  return files
    .map((file) => ({
      source: posix.join(secretsDir, file.relativePath),
      target: posix.join(CONTAINER_PATHS.dockerSecretsDir, file.relativePath),
      readOnly: true,
    }))
    .sort((a, b) => (a.target < b.target ? -1 : 1));
}

function collect(
  state: DesiredState,
  ref: SecretRef,
  field: string,
  files: Map<string, SecretFile>,
  problems: string[],
): void {
  if (ref.kind === 'env') {
    problems.push(
      `  ${field}: "${formatSecretRef(ref)}" cannot be resolved in a Docker container; use file:${CONTAINER_PATHS.dockerSecretsDir}/<file>`,
    );
    return;
  }
  if (ref.kind === 'delinea') {
    const delinea = state.delinea;
    if (delinea === undefined) {
      problems.push(`  ${field}: a delinea: reference needs secrets.delinea in warehouse.yaml`);
      return;
    }
    add(delinea.credentialsFile, 'secrets.delinea.credentialsFile', files, problems);
    return;
  }
  add(ref.path, field, files, problems);
}

function add(
  path: string,
  field: string,
  files: Map<string, SecretFile>,
  problems: string[],
): void {
  const mapped = dockerSecretFileOf(path);
  if (typeof mapped === 'string') problems.push(`  ${field}: ${mapped}`);
  else if (!files.has(mapped.relativePath)) files.set(mapped.relativePath, { field, ...mapped });
}

function throwProblems(state: DesiredState, problems: string[]): void {
  if (problems.length === 0) return;
  throw new ConfigError(
    `${posix.join(state.dir, 'warehouse.yaml')}: secret references that cannot be mounted in the Docker environment "${state.environmentName}":\n${[...new Set(problems)].join('\n')}`,
    {
      hint: `Put each secret file in the environment's secretsDir and reference it as file:${CONTAINER_PATHS.dockerSecretsDir}/<file>.`,
    },
  );
}
