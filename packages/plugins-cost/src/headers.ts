/**
 * Response headers carrying a request's cost. LiteLLM's proxy sends
 * `"x-litellm-response-cost": str(response_cost)` (litellm/proxy/common_request_processing.py,
 * get_custom_headers), i.e. Python's float repr: the shortest digits that read back to the same
 * number, positional for exponents -4..15 ("0.00123", "0.0"), scientific otherwise ("3.5e-05").
 * `x-tollgate-cost` carries the same digits, always positional ("0.000035"), for parsers that
 * take no exponent. Both are rounded to 12 significant digits first, so binary noise of the sum
 * (0.00026999999999999995) reads as the figure it stands for (0.00027).
 */

export const COST_HEADER = 'x-tollgate-cost';
export const LITELLM_COST_HEADER = 'x-litellm-response-cost';

/** Shortest round-trip digits and decimal exponent of a finite non-negative number. */
function digitsOf(value: number): { digits: string; exponent: number } {
  const [mantissa, exp] = value.toExponential().split('e');
  return { digits: mantissa!.replace('.', ''), exponent: Number(exp) };
}

function positional(digits: string, exponent: number): string {
  if (exponent < 0) return `0.${'0'.repeat(-exponent - 1)}${digits}`;
  const int = digits.slice(0, exponent + 1).padEnd(exponent + 1, '0');
  const frac = digits.slice(exponent + 1);
  return frac ? `${int}.${frac}` : `${int}.0`;
}

/** Python's repr of a float from its digits: positional for exponents -4..15, scientific otherwise. */
function python(digits: string, exponent: number, plain: string): string {
  if (exponent >= -4 && exponent < 16) return plain;
  const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  return `${mantissa}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
}

function checkCost(value: number): void {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`not a cost: ${value}`);
}

/** `str(float)` as Python prints it, for a finite non-negative cost. */
export function pythonFloatString(value: number): string {
  checkCost(value);
  if (value === 0) return '0.0';
  const { digits, exponent } = digitsOf(value);
  return python(digits, exponent, positional(digits, exponent));
}

/** A cost as a plain decimal string, with no exponent ("0.000035", "0.0"). */
export function decimalString(value: number): string {
  checkCost(value);
  if (value === 0) return '0.0';
  const { digits, exponent } = digitsOf(value);
  return positional(digits, exponent);
}

/** The headers for a non-streamed response: Tollgate's own and LiteLLM's (the digits worked out once). */
export function costHeaders(cost: number): Record<string, string> {
  checkCost(cost);
  if (cost === 0) return { [COST_HEADER]: '0.0', [LITELLM_COST_HEADER]: '0.0' };
  const { digits, exponent } = digitsOf(Number(cost.toPrecision(12)));
  const plain = positional(digits, exponent);
  return { [COST_HEADER]: plain, [LITELLM_COST_HEADER]: python(digits, exponent, plain) };
}
