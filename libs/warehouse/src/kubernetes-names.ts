/**
 * What Kubernetes accepts as names and label values, so warehouse.yaml and the lock are checked
 * at the field instead of failing at render or apply time. The deploy driver names its objects
 * with these same functions.
 */

/** Length limits of the Kubernetes API. */
export const KUBERNETES_LIMITS = {
  /** A DNS label (RFC 1123): namespaces, container names. */
  dnsLabel: 63,
  /** A DNS subdomain (RFC 1123): most object names (ConfigMap, Secret, ServiceAccount). */
  dnsSubdomain: 253,
  /**
   * A CronJob's name: the CronJob controller appends 11 characters (`-<minutes since epoch>`)
   * to name its Jobs, whose names are label values (63).
   */
  cronJob: 52,
  /** A label value. */
  labelValue: 63,
} as const;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Why `value` is not a DNS label (RFC 1123), or undefined when it is one. */
export function dnsLabelProblem(value: string): string | undefined {
  if (value.length > KUBERNETES_LIMITS.dnsLabel) {
    return `has ${value.length} characters; Kubernetes allows at most ${KUBERNETES_LIMITS.dnsLabel} in a DNS label`;
  }
  if (!DNS_LABEL.test(value)) {
    return 'expected lower-case letters, digits and -, starting and ending with a letter or digit (a DNS label, as Kubernetes requires)';
  }
  return undefined;
}

/** Why `value` is not a DNS subdomain (RFC 1123), or undefined when it is one. */
export function dnsSubdomainProblem(value: string): string | undefined {
  if (value.length > KUBERNETES_LIMITS.dnsSubdomain) {
    return `has ${value.length} characters; Kubernetes allows at most ${KUBERNETES_LIMITS.dnsSubdomain} in an object name`;
  }
  if (!DNS_SUBDOMAIN.test(value)) {
    return 'expected lower-case letters, digits, - and ., each part starting and ending with a letter or digit (a DNS subdomain, as Kubernetes requires of object names)';
  }
  return undefined;
}

/** Why `value` cannot be a Kubernetes label value, or undefined when it can. */
export function labelValueProblem(value: string): string | undefined {
  if (value.length > KUBERNETES_LIMITS.labelValue) {
    return `has ${value.length} characters; a Kubernetes label value has at most ${KUBERNETES_LIMITS.labelValue}`;
  }
  if (!LABEL_VALUE.test(value)) {
    return 'expected letters, digits, -, _ and ., starting and ending with a letter or digit (a Kubernetes label value)';
  }
  return undefined;
}

/** The CronJob of a pinned datakit, `<warehouse>-<datakit>`, and why it is too long if it is. */
export function cronJobNameOf(
  warehouse: string,
  datakit: string,
): { name: string; problem: string | undefined } {
  const name = `${warehouse}-${datakit}`;
  return {
    name,
    problem:
      name.length > KUBERNETES_LIMITS.cronJob
        ? `gives the CronJob name "${name}" (warehouse-datakit), ${name.length} characters; Kubernetes allows at most ${KUBERNETES_LIMITS.cronJob} (the CronJob controller appends 11 to name its Jobs)`
        : undefined,
  };
}

/** Where `file:` secret references point in a Kubernetes pod: `/run/secrets/<secret>/<key>`. */
export const KUBERNETES_SECRETS_ROOT = '/run/secrets';

const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;

/**
 * The Kubernetes Secret and key a `file:` reference's path names (`/run/secrets/<secret>/<key>`
 * mounts key `<key>` of Secret `<secret>`), or why it names none.
 */
export function kubernetesSecretFileOf(path: string): { secret: string; key: string } | string {
  const prefix = `${KUBERNETES_SECRETS_ROOT}/`;
  const parts = path.startsWith(prefix) ? path.slice(prefix.length).split('/') : [];
  if (parts.length !== 2) {
    return `"file:${path}" is not of the form file:${KUBERNETES_SECRETS_ROOT}/<secret>/<key>`;
  }
  const [secret, key] = parts as [string, string];
  if (dnsSubdomainProblem(secret) !== undefined) {
    return `"file:${path}": "${secret}" is not a valid Secret name (lower-case letters, digits, - and .)`;
  }
  if (!SECRET_KEY.test(key) || key.length > KUBERNETES_LIMITS.dnsSubdomain) {
    return `"file:${path}": "${key}" is not a valid Secret key (letters, digits, -, _ and .)`;
  }
  return { secret, key };
}
