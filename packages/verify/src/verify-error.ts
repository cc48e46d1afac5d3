/** The stable codes of {@link VerifyError}, the same as the Gatehouse server's for the same failures. */
export type VerifyErrorCode = 'not_authenticated' | 'invalid_token' | 'token_expired' | 'session_revoked' | 'forbidden';

interface Entry {
  readonly status: 401 | 403;
  readonly title: string;
  readonly detail: string;
}

// Same status, title and detail as the Gatehouse server's catalogue, so clients see one vocabulary everywhere.
const CATALOGUE: Readonly<Record<VerifyErrorCode, Entry>> = {
  not_authenticated: { status: 401, title: 'Unauthorized', detail: 'Not authenticated' },
  invalid_token: { status: 401, title: 'Unauthorized', detail: 'Could not validate credentials' },
  token_expired: { status: 401, title: 'Unauthorized', detail: 'The access token has expired; refresh it or log in again' },
  session_revoked: { status: 401, title: 'Unauthorized', detail: 'The session has been revoked; log in again' },
  forbidden: { status: 403, title: 'Forbidden', detail: 'You are not allowed to do this' },
};

/**
 * The one error this library throws for a refused caller. `code` is stable; `status` is what an HTTP adapter answers.
 * The underlying cause (a jose error, a network failure) is kept in `cause` for logs and never shown to clients.
 *
 * @example
 * ```ts
 * import { VerifyError } from '@gatehouse/verify';
 * try {
 *   await verifier.verify(token);
 * } catch (error) {
 *   if (error instanceof VerifyError && error.code === 'token_expired') return refreshAndRetry();
 *   throw error;
 * }
 * ```
 */
export class VerifyError extends Error {
  override readonly name = 'VerifyError';
  readonly status: 401 | 403;
  readonly code: VerifyErrorCode;
  /** The public title for a problem document (RFC 9457). */
  readonly title: string;

  constructor(code: VerifyErrorCode, options?: { readonly cause?: unknown }) {
    const entry = CATALOGUE[code];
    super(entry.detail, options);
    this.code = code;
    this.status = entry.status;
    this.title = entry.title;
  }
}
