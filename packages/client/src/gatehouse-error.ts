import type { ErrorCode, Problem } from './generated/api-types.js';

/**
 * Codes the SDK raises itself, when there is no problem document to read: the server could not be reached
 * (`network_error`, status 0), or it answered something that is not Gatehouse JSON (`invalid_response`).
 */
export type ClientErrorCode = 'network_error' | 'invalid_response';

/** A field-level validation failure from a 422: a JSON Pointer into the request body and what is wrong there. */
export type FieldError = NonNullable<Problem['errors']>[number];

/**
 * The one error the SDK throws. `status`, `code` and `detail` are the server's RFC 9457 problem document; `code` is
 * stable (docs/errors.md) and is what to branch on. A 422 adds `errors`; a 429 adds `retryAfter` in seconds.
 *
 * @example
 * ```ts
 * import { GatehouseError } from '@gatehouse/client';
 * try {
 *   await client.register({ email, password });
 * } catch (error) {
 *   if (error instanceof GatehouseError && error.code === 'email_taken') showMessage(error.detail);
 *   else throw error;
 * }
 * ```
 */
export class GatehouseError extends Error {
  override readonly name = 'GatehouseError';
  /** The HTTP status, or 0 when no answer arrived. */
  readonly status: number;
  readonly code: ErrorCode | ClientErrorCode;
  /** The server's human-readable explanation (always a string, as FastAPI clients expect). */
  readonly detail: string;
  /** Which fields failed validation (422 only). */
  readonly errors: readonly FieldError[] | undefined;
  /** Seconds to wait before trying again (429 only, from `Retry-After`). */
  readonly retryAfter: number | undefined;

  constructor(
    init: {
      readonly status: number;
      readonly code: ErrorCode | ClientErrorCode;
      readonly detail: string;
      readonly errors?: readonly FieldError[];
      readonly retryAfter?: number;
    },
    options?: { readonly cause?: unknown },
  ) {
    super(init.detail, options);
    this.status = init.status;
    this.code = init.code;
    this.detail = init.detail;
    this.errors = init.errors;
    this.retryAfter = init.retryAfter;
  }
}

/**
 * Whether a value is a GatehouseError, optionally with one of the given codes.
 *
 * @example
 * ```ts
 * import { isGatehouseError } from '@gatehouse/client';
 * if (isGatehouseError(error, 'session_revoked', 'invalid_refresh_token')) redirectToLogin();
 * ```
 */
export function isGatehouseError(value: unknown, ...codes: ReadonlyArray<ErrorCode | ClientErrorCode>): value is GatehouseError {
  return value instanceof GatehouseError && (codes.length === 0 || codes.includes(value.code));
}
