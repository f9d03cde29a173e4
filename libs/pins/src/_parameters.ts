// A pin's parameters against the config JSON Schema its image declares (the spec label's
// `config.properties.parameters`), checked by verify, plan and deploy before a job runs.
import * as z from 'zod';
import { parseSpecLabel } from './_spec-label.ts';

/** One parameter that does not fit: its path under `parameters` and why. */
export interface ParameterProblem {
  /** `parameters`, or `parameters.<path>` of the value that does not fit. */
  field: string;
  message: string;
}

/**
 * A parameter problem as one line of a report: the warehouse.yaml field of the pin and the
 * config schema of which image it was checked against.
 */
export function parameterProblemLine(
  warehouseFile: string,
  pin: { datakit: string; version: string },
  problem: ParameterProblem,
): string {
  return `${warehouseFile}: field "datakits.${pin.datakit}.${problem.field}": ${problem.message} (the config schema of ${pin.datakit} ${pin.version})`;
}

/**
 * Every way a pin's `parameters` do not fit the image's config schema, empty when they fit;
 * undefined when the label declares no config schema (an image built before specs carried
 * one), so there is nothing to check against.
 */
export function parameterProblems(
  specLabel: string,
  parameters: Readonly<Record<string, unknown>> | undefined,
): ParameterProblem[] | undefined {
  const spec = parseSpecLabel(specLabel);
  if (spec === undefined) return undefined;
  const schema = spec.config?.properties?.parameters;
  if (schema === undefined || schema === null || typeof schema !== 'object') return undefined;
  let check: z.ZodType;
  try {
    check = z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]);
  } catch {
    return undefined;
  }
  const result = check.safeParse(parameters ?? {});
  if (result.success) return [];
  return result.error.issues.map((issue) => ({
    field: ['parameters', ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
}
