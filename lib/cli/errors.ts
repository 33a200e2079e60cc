// lib/cli/errors.ts — how the command line reports a failure: always one line with an [E_…] tag.
// Library errors keep their code; a native error's `code` is kept and re-wrapped as a
// GenConvNetError; a file-system error becomes E_IO; anything else is E_INTERNAL.
import { GenConvNetError, type ErrorCode } from '../errors';

/**
 * The GenConvNetError a failure is reported as.
 * @throws never
 */
export function asGenConvNetError(err: unknown): GenConvNetError {
  if (err instanceof GenConvNetError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^E_[A-Z_]+$/.test(code)) return new GenConvNetError(code as ErrorCode, message, { cause: err });
  if (err instanceof Error && typeof (err as NodeJS.ErrnoException).syscall === 'string') return new GenConvNetError('E_IO', message, { cause: err });
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return new GenConvNetError('E_IO', message, { cause: err });
  return new GenConvNetError('E_INTERNAL', message, { cause: err });
}

/** The line the CLI prints for a failure. */
export function errorLine(err: unknown): string {
  const e = asGenConvNetError(err);
  return `genconvnet: error [${e.code}]: ${e.message}\n`;
}
