import { ERROR_CATALOGUE, type ErrorCode } from './catalogue.js';

export interface FieldError {
  /** JSON pointer into the request, e.g. `/password`. */
  readonly path: string;
  readonly message: string;
}

/** The one error type of Gatehouse. Its code decides the status and the public message; `cause` goes to the log only. */
export class AuthError extends Error {
  readonly status: number;
  readonly title: string;
  readonly detail: string;
  readonly errors: readonly FieldError[] | undefined;

  constructor(
    readonly code: ErrorCode,
    options: { detail?: string; errors?: readonly FieldError[]; cause?: unknown } = {},
  ) {
    const entry = ERROR_CATALOGUE[code];
    super(options.detail ?? entry.detail, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AuthError';
    this.status = entry.status;
    this.title = entry.title;
    this.detail = options.detail ?? entry.detail;
    this.errors = options.errors;
  }

  static validation(path: string, message: string): AuthError {
    return new AuthError('validation_failed', { detail: message, errors: [{ path, message }] });
  }
}
