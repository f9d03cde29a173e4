import { createHash } from 'node:crypto';
import { ConfigError } from '@datakit/errors';
import { formatSecretRef, parseSecretRef, type SecretRef } from '@datakit/secrets';
import { CONTAINER_PATHS, kubernetesSecretFileOf } from '@datakit/warehouse';
import type { DesiredJob, DesiredState } from '../../desired-state.ts';
import type { NormalizedKubernetesConfig } from './config.ts';

/** One Kubernetes Secret a container needs, with the keys it reads from it. */
export interface SecretFiles {
  secret: string;
  keys: string[];
}

/** What the sidecar of a warehouse reads, mapped onto Kubernetes Secrets. */
export interface SidecarSecrets {
  /** The keytab reference the sidecar gets (`SIDECAR_KEYTAB`), after `keytabSecret`. */
  keytab: string;
  /** Delinea settings when the keytab comes from Delinea. */
  delinea: { baseUrl: string; credentialsFile: string } | undefined;
  files: SecretFiles[];
}

/** What a datakit container reads, mapped onto Kubernetes Secrets. */
export interface DatakitSecrets {
  /** Delinea settings when a connection password comes from Delinea. */
  delinea: { baseUrl: string; credentialsFile: string } | undefined;
  files: SecretFiles[];
}

/** The key a `keytabSecret` Secret must hold the keytab under. */
export const KEYTAB_SECRET_KEY = 'keytab';

const SECRET_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * Maps the sidecar's secret references onto Kubernetes Secrets (see README.md, "Secrets"):
 * `file:/run/secrets/<secret>/<key>` mounts key `<key>` of Secret `<secret>`; `delinea:` is
 * fetched by the sidecar with credentials mounted the same way; `env:` is refused. With the
 * environment's `keytabSecret`, the keytab is key `keytab` of that Secret, whatever the
 * warehouse's reference says. Undefined for a warehouse without a `kerberos` block.
 *
 * @throws ConfigError listing every reference that cannot be mapped.
 */
export function mapSidecarSecrets(
  state: DesiredState,
  config: NormalizedKubernetesConfig,
): SidecarSecrets | undefined {
  // A warehouse without a kerberos block runs no sidecar.
  if (state.sidecar === undefined) return undefined;
  const problems: string[] = [];
  const files = new FileSet();
  let keytab = state.sidecar.keytab;
  let delinea: SidecarSecrets['delinea'];
  if (config.keytabSecret !== undefined) {
    keytab = `file:${CONTAINER_PATHS.secretsRoot}/${config.keytabSecret}/${KEYTAB_SECRET_KEY}`;
    if (!SECRET_NAME.test(config.keytabSecret) || config.keytabSecret.length > 253) {
      problems.push(
        `  environments.${state.environmentName}.keytabSecret: "${config.keytabSecret}" is not a valid Secret name (lower-case letters, digits, - and .)`,
      );
    } else files.add(config.keytabSecret, KEYTAB_SECRET_KEY);
  } else {
    const ref = parseSecretRef(state.sidecar.keytab);
    if (ref.kind === 'delinea') delinea = delineaMount(state, 'kerberos.keytab', files, problems);
    else mapFileRef(ref, 'kerberos.keytab', files, problems);
  }
  throwProblems(state, problems);
  return { keytab, delinea, files: files.list() };
}

/**
 * Maps a datakit's connection passwords onto Kubernetes Secrets, with the same rules as
 * {@link mapSidecarSecrets}; the references in config.json stay as written, because the mounts
 * put each file at the path its reference names.
 *
 * @throws ConfigError listing every reference that cannot be mapped.
 */
export function mapDatakitSecrets(state: DesiredState, job: DesiredJob): DatakitSecrets {
  const problems: string[] = [];
  const files = new FileSet();
  let delinea: DatakitSecrets['delinea'];
  for (const side of ['source', 'target'] as const) {
    const password = job.config[side].password;
    if (password === undefined) continue;
    const field = `datakits.${job.datakit}.${side} (password)`;
    if (password.kind === 'delinea') delinea = delineaMount(state, field, files, problems);
    else mapFileRef(password, field, files, problems);
  }
  throwProblems(state, problems);
  return { delinea, files: files.list() };
}

/**
 * The path of a `file:` reference split into Secret and key, or why it cannot be (the rule
 * warehouse.yaml's validation applies too).
 */
export function secretFileOf(path: string): { secret: string; key: string } | string {
  return kubernetesSecretFileOf(path);
}

/**
 * The name of the volume that mounts a Secret into one container. Each container gets its own
 * volume (with only its keys), so the datakit never sees the keytab.
 */
export function secretVolumeName(role: 'sidecar' | 'datakit', secret: string): string {
  const name = `${role}-${secret}`;
  if (name.length <= 63 && !name.includes('.')) return name;
  return `${role}-${createHash('sha256').update(secret).digest('hex').slice(0, 12)}`;
}

function mapFileRef(ref: SecretRef, field: string, files: FileSet, problems: string[]): void {
  if (ref.kind === 'env') {
    problems.push(
      `  ${field}: "${formatSecretRef(ref)}" cannot be used in Kubernetes: a pod has no such variable; use file:${CONTAINER_PATHS.secretsRoot}/<secret>/<key> for key <key> of the Secret <secret>`,
    );
    return;
  }
  if (ref.kind !== 'file') return;
  const mapped = secretFileOf(ref.path);
  if (typeof mapped === 'string') problems.push(`  ${field}: ${mapped}`);
  else files.add(mapped.secret, mapped.key);
}

function delineaMount(
  state: DesiredState,
  field: string,
  files: FileSet,
  problems: string[],
): { baseUrl: string; credentialsFile: string } | undefined {
  const delinea = state.delinea;
  if (delinea === undefined) {
    problems.push(`  ${field}: a delinea: reference needs secrets.delinea in warehouse.yaml`);
    return undefined;
  }
  const mapped = secretFileOf(delinea.credentialsFile);
  if (typeof mapped === 'string') {
    problems.push(`  secrets.delinea.credentialsFile: ${mapped}`);
    return undefined;
  }
  files.add(mapped.secret, mapped.key);
  return delinea;
}

function throwProblems(state: DesiredState, problems: string[]): void {
  if (problems.length === 0) return;
  throw new ConfigError(
    `The warehouse "${state.warehouse}" has secret references that cannot be mounted in Kubernetes (environment "${state.environmentName}"):\n${[...new Set(problems)].join('\n')}`,
    {
      hint: `Put each secret in a Kubernetes Secret and reference it as file:${CONTAINER_PATHS.secretsRoot}/<secret>/<key>, or as delinea:<id>/<field>; see libs/deploy/src/drivers/kubernetes/README.md.`,
    },
  );
}

/** Secrets and keys in name order, each once. */
class FileSet {
  readonly #bySecret = new Map<string, Set<string>>();

  add(secret: string, key: string): void {
    const keys = this.#bySecret.get(secret) ?? new Set<string>();
    keys.add(key);
    this.#bySecret.set(secret, keys);
  }

  list(): SecretFiles[] {
    return [...this.#bySecret.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([secret, keys]) => ({ secret, keys: [...keys].sort() }));
  }
}
