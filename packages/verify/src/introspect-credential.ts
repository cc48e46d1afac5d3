import { type Caller, isRole, scopesFor } from './caller.js';
import { VerifyError } from './verify-error.js';

export interface IntrospectionTarget {
  readonly url: string;
  readonly apiKey: string;
  readonly fetch: typeof fetch;
}

const WS_TICKET_PREFIX = 'wst_';
const TIMEOUT_MS = 5_000;

/** True for a Gatehouse WebSocket ticket, which only the server can check (it is opaque and single use). */
export function isWsTicket(credential: string): boolean {
  return credential.startsWith(WS_TICKET_PREFIX);
}

/**
 * One RFC 7662 request. Returns the caller of an active credential, `null` for `{active: false}`. Anything else
 * (network failure, a refused API key) fails closed as `invalid_token`, with the reason kept in `cause` for the logs.
 */
export async function introspectCredential(target: IntrospectionTarget, credential: string): Promise<Caller | null> {
  const form = new URLSearchParams({ token: credential });
  if (isWsTicket(credential)) form.set('token_type_hint', 'ws_ticket');
  let body: unknown;
  try {
    const response = await target.fetch(target.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', 'x-api-key': target.apiKey },
      body: form,
      redirect: 'error',
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    if (!response.ok) throw new Error(`Introspection answered ${response.status}`);
    body = await response.json();
  } catch (error) {
    throw new VerifyError('invalid_token', { cause: error });
  }
  return callerOf(body);
}

function callerOf(body: unknown): Caller | null {
  if (typeof body !== 'object' || body === null) throw new VerifyError('invalid_token', { cause: new Error('Introspection answer is not an object') });
  const { active, sub, sid, role, scope } = body as Record<string, unknown>;
  if (active !== true) return null;
  if (typeof sub !== 'string' || typeof sid !== 'string' || !isRole(role)) {
    throw new VerifyError('invalid_token', { cause: new Error('Introspection answer lacks sub, sid or role') });
  }
  return Object.freeze({ userId: sub, sessionId: sid, role, scopes: scopesFor(role, scope) });
}
