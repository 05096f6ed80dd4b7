/**
 * The errors of OpenCIM, one family for every layer: an error says what kind of failure it is,
 * and that kind alone decides the CLI's exit code and the server's HTTP status (the CLI's `fail`
 * and the server's error handler both read the tables below; no layer maps names by hand).
 *
 * Messages are for people: they name the file, row, field or record, and say what to do, with
 * Chinese beside the English where a person acts on them.
 */
export type ErrorKind =
  /** the command or request was given wrongly (a flag, a parameter): exit 2, HTTP 400 */
  | 'usage'
  /** the data given is wrong (a file, a row, a field): exit 1, HTTP 400 */
  | 'input'
  /** a named thing does not exist: exit 1, HTTP 404 */
  | 'not_found'
  /** someone else changed it first (optimistic concurrency): exit 1, HTTP 409 */
  | 'conflict'
  /** the store is held by another process, or its server is out of reach: exit 1, HTTP 503 */
  | 'unavailable'
  /** no room left on the disk: exit 1, HTTP 507 */
  | 'disk_full'
  /** the archive's evidence does not hold (a broken chain, a tampered version): exit 1, HTTP 500 */
  | 'integrity';

export const EXIT_CODE: Record<ErrorKind, number> = { usage: 2, input: 1, not_found: 1, conflict: 1, unavailable: 1, disk_full: 1, integrity: 1 };
export const HTTP_STATUS: Record<ErrorKind, number> = { usage: 400, input: 400, not_found: 404, conflict: 409, unavailable: 503, disk_full: 507, integrity: 500 };
/** the `code` of an HTTP error body (OGC API exception style) */
export const HTTP_CODE: Record<ErrorKind, string> = {
  usage: 'InvalidParameterValue', input: 'InvalidParameterValue', not_found: 'NotFound', conflict: 'Conflict',
  unavailable: 'ServiceUnavailable', disk_full: 'InsufficientStorage', integrity: 'IntegrityError',
};

export class OpenCimError extends Error {
  constructor(readonly kind: ErrorKind, message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** a command line or request parameter that is wrong (exit 2) */
export class UsageError extends OpenCimError {
  constructor(message: string) { super('usage', message); }
}

/** data a user can correct: names the file and the place in it */
export class InputError extends OpenCimError {
  constructor(message: string) { super('input', message); }
}

/**
 * An input problem in a file: names the file and the place in it (block, line, feature index,
 * field). Every reader throws this for bad input.
 */
export class IngestError extends InputError {
  constructor(readonly file: string, readonly location: string | undefined, readonly problem: string) {
    super(`${file}${location ? ` (${location})` : ''}: ${problem}`);
  }
}

export class NotFoundError extends OpenCimError {
  constructor(message: string) { super('not_found', message); }
}

/** a write that expected a version someone else has already replaced */
export class ConflictError extends OpenCimError {
  readonly status = 409;
  constructor(message: string) { super('conflict', message); }
}

export function isOpenCimError(e: unknown): e is OpenCimError {
  return e instanceof OpenCimError;
}
