import type { FastifyInstance } from 'fastify';

const API_CSP = "default-src 'none'; frame-ancestors 'none'";
const DOCS_CSP = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'";

/**
 * Headers every response carries (OWASP HTTP Headers and REST Security cheat sheets; ASVS 3.4). Responses are
 * personal or carry tokens, so nothing is cacheable unless a route says otherwise (the JWKS does).
 */
export function useSecurityHeaders(app: FastifyInstance, options: { https: boolean }): void {
  // The OWASP REST Security set. Every header costs on every response of the hot path, so document-only headers
  // (Cross-Origin-Opener-Policy) go on the HTML docs alone.
  const common: Record<string, string> = {
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
    ...(options.https && { 'strict-transport-security': 'max-age=31536000; includeSubDomains' }),
  };
  const api = { ...common, 'content-security-policy': API_CSP };
  const docs = { ...common, 'content-security-policy': DOCS_CSP, 'cross-origin-opener-policy': 'same-origin' };
  app.addHook('onRequest', (request, reply, done) => {
    reply.headers(request.url.startsWith('/docs') ? docs : api);
    done();
  });
}
