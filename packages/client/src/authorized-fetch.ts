import type { CookieReader } from './client-options.js';
import { CSRF_COOKIE, CSRF_HEADER, needsCsrfToken } from './cookie-mode.js';
import type { TokenRefresher } from './token-refresher.js';

/** 401 codes that a new access token can cure; `session_revoked` and the like cannot. */
const REFRESHABLE = new Set(['token_expired', 'invalid_token']);

export type Credentials =
  | { readonly mode: 'token'; readonly refresher: TokenRefresher }
  | { readonly mode: 'cookie'; readonly cookies: CookieReader };

/**
 * Sends a request with the caller's credentials. Token mode: a bearer token, refreshed ahead of expiry, and after a
 * 401 that a new token can cure, one refresh and one retry. Cookie mode: the browser's cookies, plus the CSRF
 * header on state-changing methods.
 */
export async function sendAuthorized(
  send: (headers: Headers) => Promise<Response>,
  method: string,
  baseHeaders: HeadersInit | undefined,
  credentials: Credentials,
): Promise<Response> {
  if (credentials.mode === 'cookie') {
    const headers = new Headers(baseHeaders);
    const csrf = needsCsrfToken(method) ? credentials.cookies.get(CSRF_COOKIE) : undefined;
    if (csrf !== undefined) headers.set(CSRF_HEADER, csrf);
    return send(headers);
  }
  const { refresher } = credentials;
  const token = await refresher.accessToken();
  const first = await send(withBearer(baseHeaders, token));
  if (token === undefined || first.status !== 401 || !(await curableByRefresh(first))) return first;
  await first.body?.cancel();
  const fresh = await refresher.refresh(token);
  return send(withBearer(baseHeaders, fresh.access_token));
}

function withBearer(base: HeadersInit | undefined, token: string | undefined): Headers {
  const headers = new Headers(base);
  if (token !== undefined) headers.set('Authorization', `Bearer ${token}`);
  return headers;
}

/** The problem document's code when there is one; else RFC 6750's `WWW-Authenticate: Bearer error="invalid_token"`. */
async function curableByRefresh(response: Response): Promise<boolean> {
  const body: unknown = await response
    .clone()
    .json()
    .catch(() => undefined);
  const code = typeof body === 'object' && body !== null ? (body as { code?: unknown }).code : undefined;
  if (typeof code === 'string') return REFRESHABLE.has(code);
  return /error="?invalid_token"?/.test(response.headers.get('www-authenticate') ?? '');
}
