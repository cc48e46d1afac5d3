import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RoutePolicy } from '../../src/http/route-policies.js';
import { describeEachDatabase } from '../helpers/databases.js';
import { type HttpResponse, type RequestOptions, startTestServer, type TestServer } from '../helpers/test-server.js';
import { GOOD_PASSWORD, loginAs, registerUser, uniqueEmail } from '../helpers/users.js';

/**
 * Every route × every kind of caller, generated from the server's own route table (so a new route is walked the day
 * it is added): anonymous, a guest, a user, an admin by bearer token and by cookie (with CSRF), and API keys with
 * and without the scopes a route needs. The expectations come from the policy as this file states it, independently
 * of the code: a guest reads its own account and nothing else, a user also manages it and may run a resource server,
 * an admin does everything; a key needs `read` to read, `write` to change, and `admin` on top for anything beyond its
 * owner's own account. Token introspection is the one route for API keys only (a person's token or cookie gets 403),
 * and it needs the key's dedicated `introspect` scope instead.
 */

type Role = 'guest' | 'user' | 'admin';
type Scope = 'read' | 'write' | 'admin' | 'introspect';

const POLICY: Record<Role, readonly string[] | 'all'> = {
  guest: ['self:read'],
  user: ['self:read', 'self:write', 'tokens:introspect'],
  admin: 'all',
};

const ORIGIN = 'http://gatehouse.test'; // the test servers' PUBLIC_URL
const ADMIN = { email: 'matrix-admin@example.com', password: 'permission matrix admin passphrase' };

interface Caller {
  readonly name: string;
  readonly role?: Role;
  readonly kind: 'anonymous' | 'bearer' | 'cookie' | 'api_key';
  readonly scopes?: readonly Scope[];
  /** Request options that authenticate this caller (refreshed when a route ended the caller's own session). */
  auth: () => RequestOptions;
  /** Signs in again when the last request logged this caller out. */
  restore: () => Promise<void>;
}

function roleHolds(role: Role, permission: string): boolean {
  const held = POLICY[role];
  return held === 'all' || held.includes(permission);
}

function scopesNeeded(permission: string): Scope[] {
  if (permission === 'tokens:introspect') return ['introspect'];
  return [permission.endsWith(':read') ? 'read' : 'write', ...(permission.startsWith('self:') ? [] : (['admin'] as const))];
}

/** What the guard must answer: 401, 403, or `allowed` (anything but 401 and 403: the handler may still say 404 or 422). */
function expected(route: RoutePolicy, caller: Caller): 401 | 403 | 'allowed' {
  const { access } = route;
  if (access.kind === 'public') return 'allowed';
  if (caller.kind === 'anonymous') return 401;
  if (access.kind === 'service' && caller.kind !== 'api_key') return 403;
  if (access.kind !== 'service' && access.interactive && caller.kind === 'api_key') return 403;
  if (access.kind === 'caller') return 'allowed';
  const role = caller.role as Role;
  if (!roleHolds(role, access.permission)) return 403;
  if (caller.kind === 'api_key' && !scopesNeeded(access.permission).every((scope) => caller.scopes?.includes(scope))) return 403;
  return 'allowed';
}

/** How docs/permissions.md names a route's access. */
function describeAccess(route: RoutePolicy): string {
  const { access } = route;
  if (access.kind === 'service') return `${access.permission} (API key only)`;
  const who = access.kind === 'public' ? 'anyone' : access.kind === 'caller' ? 'any caller' : access.permission;
  return access.kind !== 'public' && access.interactive ? `${who} (session only)` : who;
}

function cookiesOf(response: HttpResponse): Record<string, string> {
  return Object.fromEntries(response.headers.getSetCookie().map((line) => line.split(';')[0]?.split('=') as [string, string]));
}

describeEachDatabase('permission matrix: every route × every kind of caller', (dialect) => {
  let server: TestServer;
  let victimId: string;
  const callers: Caller[] = [];

  async function createUser(role: Role, adminToken: string): Promise<{ email: string; password: string }> {
    const email = uniqueEmail(role);
    const response = await server.request('POST', '/api/v1/users', { token: adminToken, json: { email, password: GOOD_PASSWORD, role } });
    expect(response.status, response.text).toBe(201);
    return { email, password: GOOD_PASSWORD };
  }

  async function bearerCaller(name: string, role: Role, account: { email: string; password: string }): Promise<Caller> {
    let token = (await loginAs(server, account)).accessToken;
    return {
      name,
      role,
      kind: 'bearer',
      auth: () => ({ token }),
      restore: async () => {
        if ((await server.request('GET', '/api/v1/auth/me', { token })).status === 401) token = (await loginAs(server, account)).accessToken;
      },
    };
  }

  async function cookieCaller(name: string, role: Role, account: { email: string; password: string }): Promise<Caller> {
    const signIn = async () => {
      const response = await server.request('POST', '/api/v1/auth/cookie/login', { json: { username: account.email, password: account.password } });
      expect(response.status, response.text).toBe(204);
      const cookies = cookiesOf(response);
      return { cookie: `gh_session=${cookies.gh_session}; gh_csrf=${cookies.gh_csrf}`, 'x-csrf-token': cookies.gh_csrf as string, origin: ORIGIN };
    };
    let headers = await signIn();
    return {
      name,
      role,
      kind: 'cookie',
      auth: () => ({ headers }),
      restore: async () => {
        if ((await server.request('GET', '/api/v1/auth/me', { headers })).status === 401) headers = await signIn();
      },
    };
  }

  async function keyCaller(name: string, role: Role, ownerToken: string, scopes: Scope[]): Promise<Caller> {
    const response = await server.request('POST', '/api/v1/auth/api-keys', { token: ownerToken, json: { name, scopes } });
    expect(response.status, response.text).toBe(201);
    const key = response.body.key as string;
    return { name, role, kind: 'api_key', scopes, auth: () => ({ headers: { 'x-api-key': key } }), restore: async () => {} };
  }

  beforeAll(async () => {
    server = await startTestServer({ dialect, env: { RATE_LIMIT_ENABLED: 'false', ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password } });
    const adminToken = (await loginAs(server, ADMIN)).accessToken;
    victimId = (await registerUser(server)).id;
    const user = await registerUser(server);
    const userToken = (await loginAs(server, user)).accessToken;
    // Each session-based caller is its own account, so one caller ending "all my other sessions" spares the rest.
    callers.push(
      { name: 'anonymous', kind: 'anonymous', auth: () => ({}), restore: async () => {} },
      await bearerCaller('guest', 'guest', await createUser('guest', adminToken)),
      await bearerCaller('user', 'user', await registerUser(server)),
      await bearerCaller('admin', 'admin', await createUser('admin', adminToken)),
      await cookieCaller('admin by cookie', 'admin', await createUser('admin', adminToken)),
      await keyCaller('user key [read]', 'user', userToken, ['read']),
      await keyCaller('user key [read write]', 'user', userToken, ['read', 'write']),
      await keyCaller('user key [introspect]', 'user', userToken, ['introspect']),
      await keyCaller('admin key [read write admin]', 'admin', adminToken, ['read', 'write', 'admin']),
      await keyCaller('admin key [read write]', 'admin', adminToken, ['read', 'write']),
      await keyCaller('admin key [read admin]', 'admin', adminToken, ['read', 'admin']),
    );
  });
  afterAll(() => server.close());

  it('walks a route table that covers the whole API', () => {
    const paths = new Set(server.routes.map((route) => `${route.method} ${route.url}`));
    for (const route of ['GET /api/v1/users', 'POST /api/v1/users', 'PATCH /api/v1/users/:id', 'POST /api/v1/admin/users/bulk', 'GET /api/v1/admin/audit-log']) {
      expect(paths).toContain(route);
    }
    expect(server.routes.length).toBeGreaterThan(40);
  });

  it('is documented route by route in docs/permissions.md', () => {
    const docs = readFileSync(new URL('../../../../docs/permissions.md', import.meta.url), 'utf8');
    const documented = [...docs.matchAll(/^\| `([A-Z]+) ([^`]+)` \| ([^|]+?) \|$/gm)].map(([, method, url, who]) => `${method} ${url} → ${who}`);
    const actual = server.routes.filter((route) => route.method !== 'HEAD').map((route) => `${route.method} ${route.url} → ${describeAccess(route)}`);
    expect(documented.sort()).toEqual(actual.sort());
  });

  it('answers every route as the policy says, for every caller', async () => {
    const mismatches: string[] = [];
    for (const route of server.routes) {
      const path = route.url.replace(/:[A-Za-z_]+/g, (param) => (param === ':id' && /users/.test(route.url) ? victimId : randomUUID()));
      for (const caller of callers) {
        const withBody = !['GET', 'HEAD'].includes(route.method);
        const response = await server.request(route.method, path, { ...caller.auth(), ...(withBody && { json: {} }) });
        const want = expected(route, caller);
        const ok = want === 'allowed' ? response.status !== 401 && response.status !== 403 : response.status === want;
        // 401/403 answers are problem documents with the stable code, never an empty or HTML answer.
        const wellFormed = route.method === 'HEAD' || response.status < 400 || response.status === 404 || typeof response.body?.code === 'string';
        if (!ok || !wellFormed) mismatches.push(`${route.method} ${route.url} as ${caller.name}: ${response.status} (want ${want}) ${response.text.slice(0, 120)}`);
        if (response.status >= 500) mismatches.push(`${route.method} ${route.url} as ${caller.name}: a 5xx`);
        await caller.restore();
      }
    }
    expect(mismatches).toEqual([]);
  });
});
