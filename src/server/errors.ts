/**
 * HTTP errors as OGC API exceptions: `{ code, description }` (+ optional details such as the
 * position of a CQL2 error). Anything not an HttpError is logged and answered with a generic 500
 * that carries no internals (no SQL, no stack, no paths).
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const badRequest = (message: string, details?: Record<string, unknown>) =>
  new HttpError(400, 'InvalidParameterValue', message, details);
export const notFound = (message: string, details?: Record<string, unknown>) => new HttpError(404, 'NotFound', message, details);
export const unauthorized = (message: string) => new HttpError(401, 'Unauthorized', message);
export const forbidden = (message: string) => new HttpError(403, 'Forbidden', message);

/** The JSON body of an error answer. */
export function errorBody(status: number, code: string, description: string, details: Record<string, unknown> = {}) {
  return { code, description, status, ...details };
}

/**
 * PostgreSQL errors caused by the values a client sent (SQLSTATE class 22 "data exception":
 * numeric overflow, invalid text representation, ...) are the client's problem: 400, with the
 * message of the database but never the statement.
 */
export function isClientDataError(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code;
  return typeof code === 'string' && /^22[0-9A-Z]{3}$/.test(code);
}
