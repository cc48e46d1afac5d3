import fastifyCookie from '@fastify/cookie';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Config } from '../../config/config.js';

export const CSRF_COOKIE = 'gh_csrf';
export const CSRF_HEADER = 'x-csrf-token';

/** `__Host-` pins the cookie to this host and path `/` with Secure, so a subdomain cannot set or shadow it. */
export function sessionCookieName(config: Config): string {
  return config.cookieSecure ? '__Host-gh_session' : 'gh_session';
}

export async function useCookies(app: FastifyInstance): Promise<void> {
  await app.register(fastifyCookie);
}

/**
 * The session cookie (httpOnly, SameSite=Lax, path /, Secure with COOKIE_SECURE) and the CSRF cookie, readable by the
 * page's script so it can echo it in X-CSRF-Token. Both end with the session's absolute expiry.
 */
export function setSessionCookies(reply: FastifyReply, config: Config, cookies: { session: string; csrf: string; maxAgeSeconds: number }): void {
  const common = { path: '/', sameSite: 'lax' as const, secure: config.cookieSecure, maxAge: cookies.maxAgeSeconds };
  reply.setCookie(sessionCookieName(config), cookies.session, { ...common, httpOnly: true });
  reply.setCookie(CSRF_COOKIE, cookies.csrf, { ...common, httpOnly: false });
}

export function clearSessionCookies(reply: FastifyReply, config: Config): void {
  const common = { path: '/', sameSite: 'lax' as const, secure: config.cookieSecure };
  reply.clearCookie(sessionCookieName(config), { ...common, httpOnly: true });
  reply.clearCookie(CSRF_COOKIE, common);
}
