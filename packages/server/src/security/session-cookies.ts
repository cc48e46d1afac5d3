import { createHmac } from 'node:crypto';
import { safeEqual } from './secret-keys.js';

const VERSION = 'v1';

export interface CookieSession {
  readonly sessionId: string;
  readonly userId: string;
  readonly expiresAt: number;
}

/**
 * The browser session cookie names a session and its end, sealed with an HMAC of the server secret: checking it
 * needs no database (revocation is the in-memory revoked-session set, as for access tokens). The CSRF token is an
 * HMAC of the session id under another label, so a token planted by a sibling subdomain cannot match (OWASP CSRF CS,
 * signed double-submit cookie).
 */
export class SessionCookies {
  constructor(private readonly key: Buffer) {}

  seal(session: CookieSession): string {
    const body = `${VERSION}.${session.sessionId}.${session.userId}.${session.expiresAt}`;
    return `${body}.${this.mac(`cookie:${body}`)}`;
  }

  /** The session a cookie names, or undefined if it is not one we sealed or it has run out. */
  open(value: string, now: number): CookieSession | undefined {
    if (value.length > 200) return undefined;
    const parts = value.split('.');
    if (parts.length !== 5 || parts[0] !== VERSION) return undefined;
    const [, sessionId = '', userId = '', expires = '', mac = ''] = parts;
    if (!safeEqual(mac, this.mac(`cookie:${VERSION}.${sessionId}.${userId}.${expires}`))) return undefined;
    const expiresAt = Number(expires);
    if (!Number.isSafeInteger(expiresAt) || expiresAt <= now) return undefined;
    return { sessionId, userId, expiresAt };
  }

  csrfToken(sessionId: string): string {
    return this.mac(`csrf:${sessionId}`);
  }

  private mac(data: string): string {
    return createHmac('sha256', this.key).update(data).digest('base64url');
  }
}
