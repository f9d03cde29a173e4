import { k8s } from './_k8s-module.ts';

/** One way a rendered object departs from the Kubernetes API schema. */
export interface ManifestProblem {
  /** The object's kind and name, e.g. `CronJob analytics-pagila-bronze`. */
  object: string;
  /** Where in the object, as a JSON path, e.g. `spec.jobTemplate.spec.template.spec.volumes[0]`. */
  path: string;
  /** The path's parts (object keys and array indexes), for mapping it back to warehouse.yaml. */
  parts: (string | number)[];
  /** What is wrong, e.g. `unknown field "foo"` or `expected a number, found "3"`. */
  message: string;
}

/** The API type of each kind the drivers render, by `apiVersion/kind`. */
const TYPES: Record<string, string> = {
  'v1/ConfigMap': 'V1ConfigMap',
  'batch/v1/CronJob': 'V1CronJob',
  'batch/v1/Job': 'V1Job',
  'v1/Secret': 'V1Secret',
  'v1/Pod': 'V1Pod',
};

/** One field of an API type as the client's OpenAPI models describe it. */
interface Attribute {
  baseName: string;
  type: string;
}

/**
 * Checks objects strictly against the Kubernetes API types (those of @kubernetes/client-node's
 * OpenAPI models, the API version the client was generated from), as the API server's strict
 * field validation does: an unknown field is refused instead of dropped, and a value of the
 * wrong JSON type (a string for a number, an object for a list, ...) is refused too.
 */
export function validateManifests(manifests: readonly unknown[]): ManifestProblem[] {
  const problems: ManifestProblem[] = [];
  for (const [i, manifest] of manifests.entries()) {
    const object = manifest as {
      apiVersion?: unknown;
      kind?: unknown;
      metadata?: { name?: unknown };
    };
    const named = `${String(object.kind)} ${String(object.metadata?.name ?? `#${i}`)}`;
    const type = TYPES[`${String(object.apiVersion)}/${String(object.kind)}`];
    if (type === undefined) {
      problems.push({
        object: named,
        path: 'kind',
        parts: ['kind'],
        message: `apiVersion "${String(object.apiVersion)}" kind "${String(object.kind)}" is not a kind the drivers render (${Object.keys(TYPES).join(', ')})`,
      });
      continue;
    }
    walk(manifest, type, [], (parts, message) =>
      problems.push({ object: named, path: jsonPath(parts), parts, message }),
    );
  }
  return problems;
}

function walk(
  value: unknown,
  type: string,
  parts: (string | number)[],
  report: (parts: (string | number)[], message: string) => void,
): void {
  if (value === null || value === undefined) return;
  const array = /^Array<(.+)>$/.exec(type);
  if (array) {
    if (!Array.isArray(value)) return report(parts, `expected a list, found ${describe(value)}`);
    value.forEach((item, i) => walk(item, array[1]!, [...parts, i], report));
    return;
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) {
    if (!isObject(value)) return report(parts, `expected an object, found ${describe(value)}`);
    for (const [key, item] of Object.entries(value)) walk(item, map[1]!, [...parts, key], report);
    return;
  }
  switch (type) {
    case 'string':
    case 'Date':
      if (typeof value !== 'string') report(parts, `expected a string, found ${describe(value)}`);
      return;
    case 'number':
      if (typeof value !== 'number') report(parts, `expected a number, found ${describe(value)}`);
      return;
    case 'boolean':
      if (typeof value !== 'boolean')
        report(parts, `expected true or false, found ${describe(value)}`);
      return;
    case 'IntOrString':
      if (typeof value !== 'string' && !Number.isInteger(value)) {
        report(parts, `expected an integer or a string, found ${describe(value)}`);
      }
      return;
    case 'any':
    case 'object':
      return;
  }
  const attributes = attributesOf(type);
  if (attributes === undefined)
    return report(parts, `has the type ${type}, which the client does not know`);
  if (!isObject(value))
    return report(parts, `expected an object (${type}), found ${describe(value)}`);
  const fields = new Map(attributes.map((a) => [a.baseName, a.type]));
  for (const [key, item] of Object.entries(value)) {
    const fieldType = fields.get(key);
    if (fieldType === undefined) {
      report(
        [...parts, key],
        `unknown field "${key}" (${type} has ${[...fields.keys()].join(', ')})`,
      );
    } else {
      walk(item, fieldType, [...parts, key], report);
    }
  }
}

/** The fields of a model type of the client, or undefined when it has no such type. */
function attributesOf(type: string): Attribute[] | undefined {
  const model = (k8s() as unknown as Record<string, { getAttributeTypeMap?: () => Attribute[] }>)[
    type
  ];
  return model?.getAttributeTypeMap?.();
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (isObject(value)) return 'an object';
  return JSON.stringify(value);
}

/** `spec.containers[0].image` from its parts. */
function jsonPath(parts: readonly (string | number)[]): string {
  return parts
    .map((part, i) =>
      typeof part === 'number'
        ? `[${part}]`
        : /^[A-Za-z_][A-Za-z0-9_]*$/.test(part)
          ? `${i === 0 ? '' : '.'}${part}`
          : `[${JSON.stringify(part)}]`,
    )
    .join('');
}
