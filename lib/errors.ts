// Errors thrown by genconvnet: one class, a stable `code`, and one message format for bad input
// (`Expected … for <name> but received …`). Native failures arrive with the same codes.

/** Stable error codes; tests and callers match on these, never on message text. */
export const ERROR_CODES = [
  'E_INVALID_ARGUMENT',
  'E_SHAPE',
  'E_SPEC',
  'E_NOT_FINITE',
  'E_CHECKPOINT',
  'E_ONNX',
  'E_DATA',
  'E_NATIVE_LOAD',
  'E_BACKEND',
  'E_DISPOSED',
  'E_BUSY',
  'E_IO',
  'E_DIVERGED',
  'E_SAMPLER',
  'E_NO_MEMORY',
  'E_CUDA',
  'E_DISTRIBUTED',
  'E_INTERNAL',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** The one error class of the library. */
export class GenConvNetError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'GenConvNetError';
    this.code = code;
  }
}

/** Renders a received value briefly for an error message. */
export function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? value.slice(0, 57) + '...' : value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (Array.isArray(value)) return value.length <= 8 ? `[${value.map(describe).join(', ')}]` : `an array of length ${value.length}`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name} of length ${(value as unknown as { length: number }).length}`;
  if (typeof value === 'function') return 'a function';
  return `an object with keys ${JSON.stringify(Object.keys(value as object).slice(0, 8))}`;
}

/** Checks that every value is finite, naming the first offender. */
export function assertFinite(data: Float32Array, name: string): void {
  for (let i = 0; i < data.length; i++)
    if (!Number.isFinite(data[i])) throw new GenConvNetError('E_NOT_FINITE', `Expected finite values for ${name} but received ${data[i]} at index ${i}`);
}

/** Builds the house-format error: `Expected <what> for <name> but received <value>`. */
export function expected(what: string, name: string, received: unknown, code: ErrorCode = 'E_INVALID_ARGUMENT'): GenConvNetError {
  return new GenConvNetError(code, `Expected ${what} for ${name} but received ${describe(received)}`);
}
