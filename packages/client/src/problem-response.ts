import type { ErrorCode } from './generated/api-types.js';
import { type FieldError, GatehouseError } from './gatehouse-error.js';

/** Turns a failed answer into a GatehouseError: the problem document when there is one (RFC 9457), else `invalid_response`. */
export async function errorFromResponse(response: Response, now: () => number): Promise<GatehouseError> {
  const problem = await response.json().catch(() => undefined);
  const retryAfter = parseRetryAfter(response.headers.get('retry-after'), now);
  if (isProblem(problem)) {
    return new GatehouseError({
      status: response.status,
      code: problem.code as ErrorCode,
      detail: problem.detail,
      ...(Array.isArray(problem.errors) && { errors: problem.errors as FieldError[] }),
      ...(retryAfter !== undefined && { retryAfter }),
    });
  }
  return new GatehouseError({
    status: response.status,
    code: 'invalid_response',
    detail: `The server answered ${response.status} without a problem document`,
    ...(retryAfter !== undefined && { retryAfter }),
  });
}

/** The request never got an answer (DNS, refused connection, CORS, abort). */
export function networkError(cause: unknown): GatehouseError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new GatehouseError({ status: 0, code: 'network_error', detail: `Could not reach the Gatehouse server: ${reason}` }, { cause });
}

function isProblem(body: unknown): body is { code: string; detail: string; errors?: unknown } {
  return typeof body === 'object' && body !== null && typeof (body as { code?: unknown }).code === 'string' && typeof (body as { detail?: unknown }).detail === 'string';
}

/** RFC 9110 §10.2.3: delay-seconds or an HTTP date. */
function parseRetryAfter(header: string | null, now: () => number): number | undefined {
  if (header === null) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim());
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now()) / 1000));
}
