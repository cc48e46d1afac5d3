import { ERROR_CATALOGUE, type ErrorCode, publicCode } from './catalogue.js';

export interface FieldError {
  /** JSON pointer into the request, e.g. `/password`. */
  readonly path: string;
  readonly message: string;
}

/** The one error type of Gatehouse. Its code decides the status and the public message; `cause` goes to the log only. */
export class AuthError extends Error {
  readonly status: number;
  /** What the client sees in `code` (usually the same as `code`). */
  readonly publicCode: string;
  readonly title: string;
  readonly detail: string;
  readonly errors: readonly FieldError[] | undefined;
  /** Seconds the client should wait before trying again (sent as Retry-After). */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    readonly code: ErrorCode,
    options: { detail?: string; errors?: readonly FieldError[]; cause?: unknown; retryAfterSeconds?: number } = {},
  ) {
    const entry = ERROR_CATALOGUE[code];
    super(options.detail ?? entry.detail, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AuthError';
    this.status = entry.status;
    this.publicCode = publicCode(code);
    this.title = entry.title;
    this.detail = options.detail ?? entry.detail;
    this.errors = options.errors;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  static validation(path: string, message: string): AuthError {
    return new AuthError('validation_failed', { detail: message, errors: [{ path, message }] });
  }
}
