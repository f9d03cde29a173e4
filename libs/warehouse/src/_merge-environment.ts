// The one merge of an environment's overrides over warehouse.yaml's top-level values, shared by
// the schema's checks (which validate each environment's merged values) and resolveEnvironment.

/** The shape of a parsed warehouse the merge reads (the zod output, before or after refinements). */
interface Mergeable {
  connections: Record<string, object>;
  kerberos?: object | undefined;
  environments: Record<
    string,
    { connections?: Record<string, object> | undefined; kerberos?: object | undefined }
  >;
}

/**
 * The warehouse with the overrides of one environment merged over its top-level connections and
 * Kerberos block, field by field: a value replaces the top-level one, `null` removes the field
 * (the schema allows null only on fields the top level may leave out, and validates the merged
 * values), an absent field keeps the top-level one. An override naming no top-level connection
 * is ignored (the schema refuses it), as is a Kerberos override without a top-level block.
 * Unchanged for an environment it does not have.
 */
export function mergeEnvironment<W extends Mergeable>(warehouse: W, environment: string): W {
  const env = warehouse.environments[environment];
  if (env === undefined || (env.connections === undefined && env.kerberos === undefined)) {
    return warehouse;
  }
  const connections = Object.fromEntries(
    Object.entries(warehouse.connections).map(([name, connection]) => {
      const override = env.connections?.[name];
      return [name, override === undefined ? connection : merge(connection, override)];
    }),
  );
  const kerberos =
    warehouse.kerberos === undefined || env.kerberos === undefined
      ? warehouse.kerberos
      : merge(warehouse.kerberos, env.kerberos);
  return { ...warehouse, connections, kerberos };
}

/** `base` with each field `override` sets replaced, and each it sets to null removed. */
function merge(base: object, override: object): object {
  const set = Object.entries(override).filter(([, value]) => value !== undefined);
  // The top level has no nulls (its schema refuses them), so every null left is an unset.
  return Object.fromEntries(
    Object.entries({ ...base, ...Object.fromEntries(set) }).filter(([, value]) => value !== null),
  );
}
