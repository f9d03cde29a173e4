// The one parse of an image's `dev.datakit.spec` label for verify's checks (contracts, write
// modes, parameters): the label's JSON object, or undefined when it is no JSON object.

/** The parts of a spec label pins reads; each is checked where it is used. */
export interface SpecLabel {
  contracts?: unknown;
  transforms?: unknown;
  config?: { properties?: { parameters?: unknown } };
}

/** The label's JSON object, or undefined when it is not one (an image built before specs). */
export function parseSpecLabel(label: string): SpecLabel | undefined {
  try {
    const value = JSON.parse(label) as unknown;
    return value !== null && typeof value === 'object' ? (value as SpecLabel) : undefined;
  } catch {
    return undefined;
  }
}
