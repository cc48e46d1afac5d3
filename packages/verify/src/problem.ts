import { VerifyError } from './verify-error.js';

/** An RFC 9457 problem answer, framework-neutral, shaped like the Gatehouse server's own. */
export interface ProblemAnswer {
  readonly status: 401 | 403;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: { readonly type: 'about:blank'; readonly title: string; readonly status: 401 | 403; readonly detail: string; readonly code: string };
}

const TOKEN_ERRORS = new Set(['invalid_token', 'token_expired', 'session_revoked']);

export function problemFor(error: VerifyError): ProblemAnswer {
  const headers: Record<string, string> = { 'content-type': 'application/problem+json; charset=utf-8' };
  // RFC 6750 §3: a 401 names the scheme, and `error="invalid_token"` when a token was sent and refused.
  if (error.status === 401) headers['www-authenticate'] = TOKEN_ERRORS.has(error.code) ? 'Bearer error="invalid_token"' : 'Bearer';
  return {
    status: error.status,
    headers,
    body: { type: 'about:blank', title: error.title, status: error.status, detail: error.message, code: error.code },
  };
}
