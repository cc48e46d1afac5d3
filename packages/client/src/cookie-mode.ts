import type { CookieReader } from './client-options.js';

export const CSRF_COOKIE = 'gh_csrf';
export const CSRF_HEADER = 'X-CSRF-Token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Double-submit CSRF defence (OWASP CSRF Prevention CS): only state-changing methods need the header. */
export function needsCsrfToken(method: string): boolean {
  return !SAFE_METHODS.has(method.toUpperCase());
}

/** Reads `document.cookie`; finds nothing where there is no document. */
export const documentCookies: CookieReader = {
  get(name) {
    const cookie = (globalThis as { document?: { cookie?: string } }).document?.cookie ?? '';
    for (const pair of cookie.split(';')) {
      const at = pair.indexOf('=');
      if (at > 0 && pair.slice(0, at).trim() === name) return decodeURIComponent(pair.slice(at + 1).trim());
    }
    return undefined;
  },
};
