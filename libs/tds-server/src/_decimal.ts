/** Exact decimal strings to and from scaled bigints (decimal, numeric, money). */

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?$/;

/** The unscaled integer of a decimal string at `scale`; throws on digits beyond the scale. */
export function parseDecimal(text: string, scale: number): bigint {
  const match = DECIMAL.exec(text.trim());
  if (match === null || (match[2] === '' && (match[3] ?? '') === '')) {
    throw new RangeError(`not a decimal number: '${text}'`);
  }
  const fraction = match[3] ?? '';
  if (fraction.length > scale && /[^0]/.test(fraction.slice(scale))) {
    throw new RangeError(`'${text}' has more than ${scale} fraction digits`);
  }
  const digits = `${match[2] ?? ''}${fraction.slice(0, scale).padEnd(scale, '0')}`;
  const unscaled = BigInt(digits === '' ? '0' : digits);
  return match[1] === '-' ? -unscaled : unscaled;
}

/** A decimal string with exactly `scale` fraction digits. */
export function formatDecimal(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  const integer = digits.slice(0, digits.length - scale);
  const fraction = digits.slice(digits.length - scale);
  return `${negative ? '-' : ''}${integer}${scale > 0 ? `.${fraction}` : ''}`;
}

/** Number of decimal digits of an unscaled value (its precision). */
export function digitCount(unscaled: bigint): number {
  return (unscaled < 0n ? -unscaled : unscaled).toString().length;
}

/** Bytes of a DECIMALN value of this precision, sign byte included (MS-TDS 2.2.5.5.1.6). */
export function decimalLength(precision: number): number {
  return precision <= 9 ? 5 : precision <= 19 ? 9 : precision <= 28 ? 13 : 17;
}
