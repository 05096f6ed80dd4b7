/**
 * HTTP errors as OGC API exceptions: `{ code, description }` (+ optional details such as the
 * position of a CQL2 error). Anything not an HttpError is logged and answered with a generic 500
 * that carries no internals (no SQL, no stack, no paths).
 */
export class HttpError extends Error {
  /** seconds for a Retry-After header (503) */
  retryAfter?: number;
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

/** what an answer's status means, in Chinese and English: the lead (or the gloss) of a message that has no Chinese of its own */
const MEANING: Record<number, [string, string]> = {
  400: ['请求无效', 'bad request'], 401: ['未授权', 'unauthorized'], 403: ['无权访问', 'forbidden'], 404: ['未找到', 'not found'],
  405: ['不支持该方法', 'method not allowed'], 406: ['无法提供所要求的格式', 'not acceptable'], 409: ['冲突: 已被他人修改', 'conflict'],
  413: ['请求体过大', 'payload too large'], 415: ['不支持的内容类型', 'unsupported media type'], 421: ['主机名与本服务不符', 'misdirected request'],
  429: ['请求过于频繁', 'too many requests'], 500: ['服务器内部错误', 'internal error'], 503: ['服务暂不可用', 'service unavailable'],
  504: ['查询超时', 'query timeout'], 507: ['存储空间不足', 'insufficient storage'],
};
const meaning = (status: number): [string, string] => MEANING[status] ?? (status >= 500 ? MEANING[500] : MEANING[400]);
const HAS_CHINESE = /[\u3400-\u9fff]/;

/**
 * Chinese first, English beside it: a message without Chinese gets the meaning of its status as its
 * lead (`参数无效 / invalid parameter: ...`, or the status's own words); `lead` names it more
 * precisely than the status does.
 */
export function withChineseLead(status: number, message: string, lead?: [string, string]): string {
  if (HAS_CHINESE.test(message)) return message;
  const [zh, en] = lead ?? meaning(status);
  return `${zh} / ${en}: ${message}`;
}

/**
 * A message of another module (a domain's routes) without Chinese: its status's meaning in Chinese
 * beside it, the English left first as its authors wrote it (a client may match its start).
 */
export function withChineseGloss(status: number, message: string): string {
  return HAS_CHINESE.test(message) ? message : `${message} (${meaning(status)[0]})`;
}

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

/**
 * Database failures that are not the server's bug: a statement that ran past the statement timeout
 * (SQLSTATE 57014) → 504 saying so; a lost database connection → 503 with Retry-After.
 */
export function databaseHttpError(e: unknown, statementTimeoutMs: number | undefined, lost: (e: unknown) => boolean): HttpError | null {
  const code = (e as { code?: unknown })?.code;
  if (code === '57014') {
    return new HttpError(504, 'QueryTimeout',
      `the query ran longer than the statement timeout${statementTimeoutMs ? ` of ${statementTimeoutMs / 1000} s` : ''} and was cancelled: ` +
      'narrow it (a smaller bbox, a simpler filter geometry, a smaller limit) or ask the operator to raise --statement-timeout (查询超时已取消: 请缩小查询范围)');
  }
  if (lost(e)) {
    const h = new HttpError(503, 'DatabaseUnavailable', 'the connection to the database was lost: retry in a moment (数据库连接中断, 请稍后重试)');
    h.retryAfter = 1;
    return h;
  }
  return null;
}
