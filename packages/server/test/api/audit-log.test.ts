import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapAdmin, loginAdmin } from '../helpers/admin.js';
import { describeEachDatabase } from '../helpers/databases.js';
import { expectProblem } from '../helpers/problems.js';
import { type HttpResponse, startTestServer, type TestServer } from '../helpers/test-server.js';
import { GOOD_PASSWORD, type LoggedIn, loginAs, registerUser, type TestUser } from '../helpers/users.js';

/**
 * GET /admin/audit-log per API.md: the security log, newest first, with login attempts from login history merged
 * in as user.login_succeeded / user.login_failed; filters by action (names, lists, prefixes), actor, target and
 * time; keyset pages over both kinds of row; ?format=ndjson streams the whole selection.
 */

const LOG = '/api/v1/admin/audit-log';
const LOGIN = '/api/v1/auth/login';
const KEYS = '/api/v1/auth/api-keys';
const SECOND = 1000;
const ADMIN = { email: 'audit-admin@example.com', password: 'audit log suite admin phrase' };
const ENTRY_FIELDS = ['action', 'actor_id', 'at', 'details', 'id', 'ip', 'target_id'];
// Lockout and rate limits are other suites' subjects; a cheap hash keeps hundreds of logins fast.
const ENV = {
  RATE_LIMIT_ENABLED: 'false',
  LOCKOUT_ENABLED: 'false',
  ARGON2_MEMORY_KIB: '1024',
  ARGON2_TIME_COST: '1',
  ...bootstrapAdmin(ADMIN),
};

type Query = Record<string, string | number>;

function path(query: Query = {}): string {
  const search = new URLSearchParams(Object.entries(query).map(([name, value]): [string, string] => [name, String(value)])).toString();
  return search ? `${LOG}?${search}` : LOG;
}

describeEachDatabase('audit log', (dialect) => {
  let server: TestServer;
  let admin: LoggedIn;
  let adminId: string;
  beforeAll(async () => {
    server = await startTestServer({ dialect, env: ENV });
    ({ id: adminId, ...admin } = await loginAdmin(server, ADMIN));
  });
  afterAll(() => server.close());

  // Reading the log never logs the admin in again: a login is itself an entry, and would move every count.
  async function read(query: Query = {}): Promise<HttpResponse> {
    const response = await server.request('GET', path(query), { token: admin.accessToken });
    expect(response.status, response.text).toBe(200);
    return response;
  }

  /** Every entry of a selection, by following next_cursor with small pages. */
  async function readAll(query: Query, limit: number): Promise<Array<Record<string, unknown>>> {
    const items: Array<Record<string, unknown>> = [];
    let cursor: string | null = null;
    do {
      const response = await server.request('GET', path({ ...query, limit, ...(cursor && { cursor }) }), { token: admin.accessToken });
      expect(response.status, response.text).toBe(200);
      expect(response.body.items.length).toBeLessThanOrEqual(limit);
      items.push(...response.body.items);
      cursor = response.body.next_cursor;
    } while (cursor);
    return items;
  }

  /** The ndjson dump as parsed lines (the test client would try to read it as one JSON document). */
  async function ndjson(query: Query): Promise<{ response: Response; text: string; lines: Array<Record<string, unknown>> }> {
    const response = await fetch(`${server.url}${path({ ...query, format: 'ndjson' })}`, { headers: { authorization: `Bearer ${admin.accessToken}` } });
    expect(response.status).toBe(200);
    const text = await response.text();
    const lines = text === '' ? [] : text.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    return { response, text, lines };
  }

  function failLogin(username: string): Promise<HttpResponse> {
    return server.request('POST', LOGIN, { json: { username, password: 'not the password at all' } });
  }

  describe('who may read it', () => {
    it('answers 401 to anonymous callers and 403 to plain users', async () => {
      expectProblem(await server.request('GET', LOG), 401, 'not_authenticated');
      const user = await registerUser(server);
      const { accessToken } = await loginAs(server, user);
      expectProblem(await server.request('GET', LOG, { token: accessToken }), 403, 'forbidden');
      expectProblem(await server.request('GET', path({ format: 'ndjson' }), { token: accessToken }), 403, 'forbidden');
    });

    it('needs both the read and admin scopes on an admin API key', async () => {
      const key = async (scopes: string[]) => {
        const response = await server.request('POST', KEYS, { token: admin.accessToken, json: { name: scopes.join('+'), scopes } });
        expect(response.status, response.text).toBe(201);
        return { headers: { 'x-api-key': response.body.key as string } };
      };
      expectProblem(await server.request('GET', LOG, await key(['read'])), 403, 'forbidden');
      expectProblem(await server.request('GET', LOG, await key(['write', 'admin'])), 403, 'forbidden');
      const allowed = await server.request('GET', LOG, await key(['read', 'admin']));
      expect(allowed.status, allowed.text).toBe(200);
    });
  });

  describe('entries and filters', () => {
    let alice: TestUser;
    let bob: TestUser;
    let start: number;
    let window: Query;
    const times: Record<string, number> = {};
    beforeAll(async () => {
      server.clock.advance(60 * SECOND);
      start = server.clock.now();
      alice = await registerUser(server);
      times.registered = server.clock.now();
      server.clock.advance(SECOND);
      await loginAs(server, alice);
      times.succeeded = server.clock.now();
      server.clock.advance(SECOND);
      expect((await failLogin(alice.email)).status).toBe(401);
      times.failed = server.clock.now();
      server.clock.advance(SECOND);
      expect((await failLogin('nobody-by-that-name@example.com')).status).toBe(401);
      times.unknown = server.clock.now();
      server.clock.advance(SECOND);
      bob = await registerUser(server);
      const { accessToken } = await loginAs(server, bob);
      server.clock.advance(SECOND);
      const created = await server.request('POST', KEYS, { token: accessToken, json: { name: 'bob key' } });
      expect(created.status, created.text).toBe(201);
      times.key = server.clock.now();
      server.clock.advance(SECOND);
      window = { from: new Date(start).toISOString(), to: new Date(server.clock.now()).toISOString() };
    });

    it('returns entries with exactly the documented fields, newest first', async () => {
      const response = await read(window);
      expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
      const { body } = response;
      expect(body.total).toBe(7);
      expect(body.next_cursor).toBeNull();
      for (const item of body.items) expect(Object.keys(item).sort()).toEqual(ENTRY_FIELDS);
      expect(body.items.map((item: { action: string }) => item.action)).toEqual([
        'api_key.created',
        'user.login_succeeded',
        'user.registered',
        'user.login_failed',
        'user.login_failed',
        'user.login_succeeded',
        'user.registered',
      ]);
      const ats = body.items.map((item: { at: string }) => Date.parse(item.at));
      expect([...ats].sort((a, b) => b - a)).toEqual(ats);
      expect(body.items[6]).toMatchObject({ actor_id: alice.id, target_id: alice.id, ip: '127.0.0.1', at: new Date(times.registered as number).toISOString() });
    });

    it('shows login attempts from login history, with the identifier only when it named no account', async () => {
      const { body } = await read({ ...window, action: 'user.login_failed' });
      expect(body.items).toEqual([
        {
          id: expect.any(String),
          at: new Date(times.unknown as number).toISOString(),
          actor_id: null,
          action: 'user.login_failed',
          target_id: null,
          ip: '127.0.0.1',
          details: { method: 'password', reason: 'unknown_user', user_agent: expect.any(String), identifier: 'nobody-by-that-name@example.com' },
        },
        {
          id: expect.any(String),
          at: new Date(times.failed as number).toISOString(),
          actor_id: alice.id,
          action: 'user.login_failed',
          target_id: alice.id,
          ip: '127.0.0.1',
          details: { method: 'password', reason: 'bad_password', user_agent: expect.any(String) },
        },
      ]);
      const succeeded = await read({ action: 'user.login_succeeded', actor_id: alice.id });
      expect(succeeded.body.items).toEqual([
        expect.objectContaining({ at: new Date(times.succeeded as number).toISOString(), target_id: alice.id, details: { method: 'password', reason: null, user_agent: expect.any(String) } }),
      ]);
    });

    it('filters by exact action, by a comma list and by prefix', async () => {
      const actions = async (action: string) => (await read({ ...window, action })).body.items.map((item: { action: string }) => item.action);
      expect(await actions('user.registered')).toEqual(['user.registered', 'user.registered']);
      expect(await actions('api_key.created,user.login_failed')).toEqual(['api_key.created', 'user.login_failed', 'user.login_failed']);
      expect(await actions('user.*')).toEqual(['user.login_succeeded', 'user.registered', 'user.login_failed', 'user.login_failed', 'user.login_succeeded', 'user.registered']);
      expect(await actions('api_key.*')).toEqual(['api_key.created']);
      // `_` is a literal, not a LIKE wildcard: `api.key.*` is no prefix of api_key.created.
      expect(await actions('apixkey.*,api.key.*')).toEqual([]);
      expect(await actions('user.login_succeeded, user.login_failed')).toHaveLength(4);
      expect(await actions('no.such_action')).toEqual([]);
    });

    it('filters by actor and target, alone and combined with action and time', async () => {
      const aliceAsTarget = await read({ target_id: alice.id });
      expect(aliceAsTarget.body.total).toBe(3);
      expect(aliceAsTarget.body.items.every((item: { target_id: string }) => item.target_id === alice.id)).toBe(true);
      const bobAsActor = await read({ actor_id: bob.id });
      expect(bobAsActor.body.items.map((item: { action: string }) => item.action)).toEqual(['api_key.created', 'user.login_succeeded', 'user.registered']);
      const combined = await read({ actor_id: bob.id, target_id: bob.id, action: 'api_key.created' });
      expect(combined.body.items).toEqual([expect.objectContaining({ actor_id: bob.id, target_id: bob.id, details: expect.objectContaining({ name: 'bob key' }) })]);
      expect((await read({ actor_id: alice.id, target_id: bob.id })).body).toEqual({ items: [], next_cursor: null, total: 0 });
      const adminActions = await read({ actor_id: adminId, action: 'admin.bootstrapped' });
      expect(adminActions.body.total).toBe(1);
    });

    it('takes from as inclusive and to as exclusive', async () => {
      const iso = (ms: number) => new Date(ms).toISOString();
      const at = (from: number, to: number) => read({ from: iso(from), to: iso(to) });
      const failed = times.failed as number;
      expect((await at(failed, failed + 1)).body.items.map((item: { action: string }) => item.action)).toEqual(['user.login_failed']);
      expect((await at(failed - 1, failed)).body.total).toBe(0);
      expect((await at(failed, failed)).body.total).toBe(0);
      expect((await at(times.succeeded as number, times.unknown as number)).body.total).toBe(2);
      // Any offset is accepted and compared as the instant it names.
      const shifted = new Date(failed).toISOString().replace('Z', '+00:00');
      expect((await read({ from: shifted, to: iso(failed + 1) })).body.total).toBe(1);
    });
  });

  describe('bad input', () => {
    it.each([
      [{ from: 'yesterday' }, '/from'],
      [{ to: '2026-13-01T00:00:00Z' }, '/to'],
      [{ from: '2026-11-23' }, '/from'],
      [{ from: '2026-12-31T23:59:60Z' }, '/from'],
      [{ from: '2026-11-23T10:00:00Z', to: '2026-11-23T09:59:59Z' }, '/from'],
      [{ limit: 0 }, '/limit'],
      [{ limit: 101 }, '/limit'],
      [{ limit: 'ten' }, '/limit'],
      [{ skip: -1 }, '/skip'],
      [{ cursor: 'not-a-cursor' }, '/cursor'],
      [{ action: 'user.' }, '/action'],
      [{ action: 'USER.deleted' }, '/action'],
      [{ action: "user.deleted' or 1=1 --" }, '/action'],
      [{ action: 'user.%' }, '/action'],
      [{ action: Array.from({ length: 21 }, () => 'user.deleted').join(',') }, '/action'],
      [{ action: 'x'.repeat(1001) }, '/action'],
      [{ actor_id: 'x'.repeat(37) }, '/actor_id'],
      [{ format: 'csv' }, '/format'],
      [{ format: 'ndjson', limit: 10 }, '/limit'],
      [{ format: 'ndjson', cursor: 'WzEsImEiXQ' }, '/cursor'],
      [{ format: 'ndjson', skip: 5 }, '/skip'],
      [{ sort: 'at' }, ''],
    ] as Array<[Query, string]>)('answers 422 to %o', async (query, pointer) => {
      const response = await server.request('GET', path(query), { token: admin.accessToken });
      expectProblem(response, 422, 'validation_failed');
      // Schema errors name the part of the request (querystring:/limit); the server's own checks give the pointer.
      if (pointer) expect(response.body.errors.map((error: { path: string }) => error.path.replace(/^querystring:/, ''))).toContain(pointer);
    });
  });

  describe('paging', () => {
    it('walks a mix of audit entries and login attempts by keyset without gaps or duplicates, even while new entries arrive', async () => {
      const from = new Date(server.clock.now()).toISOString();
      const users: TestUser[] = [];
      for (let i = 0; i < 6; i++) {
        const user = await registerUser(server);
        users.push(user);
        await loginAs(server, user);
        await failLogin(user.email);
        // Same millisecond for some rows: ties are broken by id.
        if (i % 2 === 1) server.clock.advance(SECOND);
      }
      const to = new Date(server.clock.now() + 1).toISOString();
      const whole = await read({ from, limit: 100 });
      expect(whole.body.total).toBe(18);
      const ids = whole.body.items.map((item: { id: string }) => item.id);

      const first = await server.request('GET', path({ from, limit: 5 }), { token: admin.accessToken });
      expect(first.body.items.map((item: { id: string }) => item.id)).toEqual(ids.slice(0, 5));
      expect(first.body.total).toBe(18);
      // Newer entries go to the head of the log; the pages after the first are not disturbed by them.
      server.clock.advance(SECOND);
      await registerUser(server);
      const rest = [];
      let cursor = first.body.next_cursor as string | null;
      while (cursor) {
        const page = await server.request('GET', path({ from, limit: 5, cursor }), { token: admin.accessToken });
        expect(page.status, page.text).toBe(200);
        rest.push(...page.body.items.map((item: { id: string }) => item.id));
        cursor = page.body.next_cursor;
      }
      expect([...ids.slice(0, 5), ...rest]).toEqual(ids);

      const filtered = await readAll({ from, to, action: 'user.login_succeeded,user.registered' }, 4);
      expect(filtered.map((item) => item.id)).toEqual(
        whole.body.items.filter((item: { action: string }) => item.action !== 'user.login_failed').map((item: { id: string }) => item.id),
      );
    });

    it('accepts skip as an offset for old clients', async () => {
      const whole = await read({ limit: 30 });
      const skipped = await read({ limit: 10, skip: 5 });
      expect(skipped.body.items).toEqual(whole.body.items.slice(5, 15));
      expect(skipped.body.total).toBe(whole.body.total);
    });
  });

  describe('format=ndjson', () => {
    let from: string;
    beforeAll(async () => {
      server.clock.advance(60 * SECOND);
      from = new Date(server.clock.now()).toISOString();
      const user = await registerUser(server);
      const { accessToken } = await loginAs(server, user);
      // Every call replaces the "default" key: one api_key.revoked and one api_key.created entry, cheaply.
      for (let i = 0; i < 650; i++) {
        const response = await server.request('POST', '/api/v1/auth/regenerate-api-key', { token: accessToken });
        expect(response.status).toBe(201);
        if (i % 100 === 0) server.clock.advance(SECOND);
      }
      for (let i = 0; i < 60; i++) await failLogin(`ghost-${i}@example.com`);
    }, 120_000);

    it('streams every entry of a selection larger than one batch, newest first, each line shaped like a JSON entry', async () => {
      const { response, text, lines } = await ndjson({ from });
      expect(response.headers.get('content-type')).toBe('application/x-ndjson');
      // Written as it is read: chunked, with no length known up front.
      expect(response.headers.get('transfer-encoding')).toBe('chunked');
      expect(response.headers.get('content-length')).toBeNull();
      expect(text.endsWith('\n')).toBe(true);
      // The user's registration and login, 650 creations, 649 revocations, 60 failed logins.
      expect(lines).toHaveLength(2 + 650 + 649 + 60);
      expect(new Set(lines.map((line) => line.id)).size).toBe(lines.length);
      for (const line of lines) expect(Object.keys(line).sort()).toEqual(ENTRY_FIELDS);
      expect(lines).toEqual(await readAll({ from }, 100));
    });

    it('streams a filtered selection and an empty one', async () => {
      const created = await ndjson({ from, action: 'api_key.created' });
      expect(created.lines).toHaveLength(650);
      expect(created.lines.every((line) => line.action === 'api_key.created')).toBe(true);

      const none = await ndjson({ action: 'no.such' });
      expect(none.response.headers.get('content-type')).toBe('application/x-ndjson');
      expect(none.text).toBe('');
    });

    it('refuses a bad time range before it starts streaming', async () => {
      const response = await server.request('GET', path({ format: 'ndjson', from: '2026-11-23T10:00:00Z', to: '2026-11-22T10:00:00Z' }), { token: admin.accessToken });
      expectProblem(response, 422, 'validation_failed');
    });
  });

  it('keeps the password of a failed login out of the log', async () => {
    const user = await registerUser(server, { password: `${GOOD_PASSWORD} distinct` });
    await server.request('POST', LOGIN, { json: { username: user.email, password: 'a very secret wrong guess 42' } });
    const dump = await ndjson({});
    expect(dump.text).not.toContain('a very secret wrong guess 42');
    expect(dump.text).not.toContain(user.password);
  });

  // Last: it adds a login attempt, which would move the counts the tests above check.
  it('withholds a typed login name that could not be one (a password pasted into the username field)', async () => {
    const pasted = 'my secret passphrase, typed in the wrong box!';
    expect((await server.request('POST', '/api/v1/auth/login', { json: { username: pasted, password: 'whatever it was' } })).status).toBe(401);
    const { body, text } = await read({ action: 'user.login_failed' });
    expect(text).not.toContain('typed in the wrong box');
    expect(body.items[0]).toMatchObject({ actor_id: null, details: { reason: 'unknown_user', identifier_withheld: true } });
    expect(body.items[0].details).not.toHaveProperty('identifier');
  });
});
