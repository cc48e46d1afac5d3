import { randomBytes } from 'node:crypto';
import { CompactSign } from 'jose';
import { expect } from 'vitest';
import { bootstrapAdmin, createAndLogin, loginAdmin, type Role } from '../../../server/test/helpers/admin.js';
import { startTestServer, type TestServer } from '../../../server/test/helpers/test-server.js';
import type { LoggedIn } from '../../../server/test/helpers/users.js';
import { createVerifier, type Verifier, type VerifierOptions } from '../../src/index.js';

export type { TestServer } from '../../../server/test/helpers/test-server.js';

/** The test servers' PUBLIC_URL: the `iss` of their tokens (they listen elsewhere, on an ephemeral port). */
export const ISSUER = 'http://gatehouse.test';
const ADMIN = { email: 'verify-admin@example.com', password: 'verify package admin passphrase' };

/** A real Gatehouse (SQLite, frozen clock). The library is database-agnostic; the server's own suites cover both engines. */
export function startGatehouse(): Promise<TestServer> {
  return startTestServer({ dialect: 'sqlite', env: { RATE_LIMIT_ENABLED: 'false', LOCKOUT_ENABLED: 'false', ...bootstrapAdmin(ADMIN) } });
}

export interface Account extends LoggedIn {
  readonly id: string;
  readonly role: Role;
}

/** A logged-in account of the role: the bootstrap admin for `admin`, a fresh user otherwise. */
export async function signIn(server: TestServer, role: Role): Promise<Account> {
  const admin = await loginAdmin(server, ADMIN);
  if (role === 'admin') return { ...admin, role };
  const user = await createAndLogin(server, admin.accessToken, role);
  return { ...user, id: user.id, role };
}

/** An API key with only the `introspect` scope, as a resource server should hold. */
export async function introspectionKey(server: TestServer): Promise<string> {
  const { accessToken } = await signIn(server, 'user');
  const response = await server.request('POST', '/api/v1/auth/api-keys', { token: accessToken, json: { name: 'resource server', scopes: ['introspect'] } });
  expect(response.status, response.text).toBe(201);
  return response.body.key;
}

/** A `fetch` that counts the real requests it makes, by path. */
export function countingFetch(): { readonly fetch: typeof fetch; count(pathSuffix: string): number } {
  const urls: string[] = [];
  return {
    fetch: (input, init) => {
      urls.push(input instanceof Request ? input.url : String(input));
      return fetch(input, init);
    },
    count: (pathSuffix) => urls.filter((url) => new URL(url).pathname.endsWith(pathSuffix)).length,
  };
}

/** A verifier for the test server, on its frozen clock (plus `offsetMs`, to look into the future). */
export function verifierFor(server: TestServer, options: Partial<VerifierOptions> & { offsetMs?: number } = {}): Verifier {
  const { offsetMs = 0, ...rest } = options;
  return createVerifier({
    issuer: ISSUER,
    jwksUrl: `${server.url}/.well-known/jwks.json`,
    now: () => server.clock.now() + offsetMs,
    ...rest,
    ...(rest.introspection && { introspection: { url: `${server.url}/api/v1/auth/introspect`, ...rest.introspection } }),
  });
}

type Json = Record<string, unknown> | unknown[] | string | number | null;

/** Claims the server would issue for the account right now; `undefined` in overrides deletes a claim. */
export function claimsFor(server: TestServer, account: Account, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(server.clock.now() / 1000);
  const claims: Record<string, unknown> = {
    iss: ISSUER,
    aud: 'gatehouse',
    sub: account.id,
    sid: account.sessionId,
    role: account.role,
    jti: randomBytes(16).toString('base64url'),
    iat: now,
    exp: now + 600,
  };
  for (const [name, value] of Object.entries(overrides)) {
    if (value === undefined) delete claims[name];
    else claims[name] = value;
  }
  return claims;
}

/**
 * Signed with the server's real private key under its real kid (grey-box, as the server's JWT attack suite does):
 * only what the test changes is wrong, so a verifier skipping that check would accept the token.
 */
export function signWithServerKey(server: TestServer, payload: Json, header: Record<string, unknown> = {}): Promise<string> {
  const { kid, key } = server.ctx.keyRing.signingKey();
  const fullHeader: Record<string, unknown> = { alg: 'EdDSA', typ: 'at+jwt', kid, ...header };
  for (const [name, value] of Object.entries(header)) if (value === undefined) delete fullHeader[name];
  return new CompactSign(new TextEncoder().encode(JSON.stringify(payload))).setProtectedHeader(fullHeader as { alg: string }).sign(key);
}

export const b64 = (value: Json | Uint8Array): string => Buffer.from(value instanceof Uint8Array ? value : JSON.stringify(value)).toString('base64url');
