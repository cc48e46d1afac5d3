import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_ACTOR } from '../../src/domain/admin/actor.js';
import { runBulk } from '../../src/domain/admin/bulk.js';
import { setRole } from '../../src/domain/admin/manage-users.js';
import { activeAdminIds, bootstrapAdmin, createAndLogin, createUser, loginAdmin, type ManagedUser, unknownUserId } from '../helpers/admin.js';
import { describeEachDatabase } from '../helpers/databases.js';
import { expectInvalidCredentials, expectProblem } from '../helpers/problems.js';
import { type HttpResponse, type RequestOptions, startTestServer, type TestServer } from '../helpers/test-server.js';
import type { LoggedIn } from '../helpers/users.js';

/**
 * POST /admin/users/bulk per API.md: one action on up to 1000 ids, always 200 with one result per id in the order
 * given; each id succeeds or fails on its own (its change is whole or absent, and a failing id leaves the others
 * applied); an unknown id is `not_found`, the caller's own id `cannot_target_self`, the last admin `last_admin`.
 */

const BULK = '/api/v1/admin/users/bulk';
const ME = '/api/v1/users/me';
const LOGIN = '/api/v1/auth/login';
const ADMIN = { email: 'bulk-admin@example.com', password: 'bulk actions admin passphrase' };
const ENV = { RATE_LIMIT_ENABLED: 'false', ...bootstrapAdmin(ADMIN) };
const NIL_UUID = '00000000-0000-0000-0000-000000000000';

describeEachDatabase('bulk actions', (dialect) => {
  let server: TestServer;
  let admin: LoggedIn;
  let adminId: string;
  beforeAll(async () => {
    server = await startTestServer({ dialect, env: ENV });
    ({ id: adminId, ...admin } = await loginAdmin(server, ADMIN));
  });
  afterAll(() => server.close());

  const bulk = (json: unknown, options: RequestOptions = {}) => server.request('POST', BULK, { token: admin.accessToken, json, ...options });
  const getUser = async (id: string) => (await server.request('GET', `/api/v1/users/${id}`, { token: admin.accessToken })).body;
  const loginStatus = async (user: ManagedUser) => (await server.request('POST', LOGIN, { json: { username: user.email, password: user.password } })).status;

  function expectResults(response: HttpResponse, expected: Array<[string, true | string]>): void {
    expect(response.status, response.text).toBe(200);
    expect(response.body).toEqual({
      results: expected.map(([id, outcome]) => (outcome === true ? { id, ok: true } : { id, ok: false, error: outcome })),
    });
  }

  it('suspends the good ids and reports every other one, in request order; one bad id leaves the others applied', async () => {
    const [first, second, third] = [await createAndLogin(server, admin.accessToken), await createAndLogin(server, admin.accessToken), await createAndLogin(server, admin.accessToken)];
    const missing = unknownUserId();
    const ids = [first.id, missing, adminId, NIL_UUID, second.id, third.id.toUpperCase(), 'not-a-uuid', '🦄', third.id];
    const response = await bulk({ action: 'suspend', ids, reason: 'Spam wave' });
    expectResults(response, [
      [first.id, true],
      [missing, 'not_found'],
      [adminId, 'cannot_target_self'],
      [NIL_UUID, 'not_found'],
      [second.id, true],
      [third.id.toUpperCase(), 'not_found'],
      ['not-a-uuid', 'not_found'],
      ['🦄', 'not_found'],
      [third.id, true],
    ]);
    for (const user of [first, second, third]) {
      expect((await getUser(user.id)).is_suspended).toBe(true);
      expectProblem(await server.request('GET', ME, { token: user.accessToken }), 401, 'session_revoked');
      expect(await loginStatus(user)).toBe(403);
    }
    expect((await server.request('GET', ME, { token: admin.accessToken })).body.is_suspended).toBe(false);
    const audit = await server.ctx.repos.audit.listInvolving(first.id, 10);
    expect(audit.find((event) => event.action === 'user.suspended')).toMatchObject({ actorId: adminId, details: { reason: 'Spam wave', until: null } });

    expectResults(await bulk({ action: 'unsuspend', ids: [first.id, missing, second.id] }), [[first.id, true], [missing, 'not_found'], [second.id, true]]);
    expect(await loginStatus(first)).toBe(200);
    expect(await loginStatus(third)).toBe(403);
  });

  it('verifies, sets roles (role required) and ends sessions', async () => {
    const unverified = await server.request('POST', '/api/v1/users', { token: admin.accessToken, json: { username: `unverified_${Date.now()}`, password: 'a fine password here' } });
    expect(unverified.body.is_verified).toBe(false);
    const user = await createAndLogin(server, admin.accessToken);
    expectResults(await bulk({ action: 'verify', ids: [unverified.body.id, user.id] }), [[unverified.body.id, true], [user.id, true]]);
    expect((await getUser(unverified.body.id)).is_verified).toBe(true);

    expectResults(await bulk({ action: 'set_role', role: 'admin', ids: [user.id, adminId] }), [[user.id, true], [adminId, 'cannot_target_self']]);
    expect((await server.request('GET', `/api/v1/admin/users/${adminId}/sessions`, { token: user.accessToken })).status).toBe(200);
    expectResults(await bulk({ action: 'set_role', role: 'guest', ids: [user.id] }), [[user.id, true]]);
    expectProblem(await server.request('GET', `/api/v1/admin/users/${adminId}/sessions`, { token: user.accessToken }), 403, 'forbidden');
    expectProblem(await server.request('PATCH', ME, { token: user.accessToken, json: { display_name: 'x' } }), 403, 'forbidden');
    const audit = await server.ctx.repos.audit.listInvolving(user.id, 20);
    expect(audit.filter((event) => event.action === 'user.role_changed').map((event) => event.details)).toEqual([
      { from: 'admin', to: 'guest' },
      { from: 'user', to: 'admin' },
    ]);

    const missing = unknownUserId();
    expectResults(await bulk({ action: 'revoke_sessions', ids: [user.id, missing] }), [[user.id, true], [missing, 'not_found']]);
    expectProblem(await server.request('GET', ME, { token: user.accessToken }), 401, 'session_revoked');
    expect(await loginStatus(user)).toBe(200);
  });

  it('deletes: the users are gone and their tokens die; the admin’s own id is refused', async () => {
    const doomed = [await createAndLogin(server, admin.accessToken), await createAndLogin(server, admin.accessToken, 'admin')];
    const response = await bulk({ action: 'delete', ids: [doomed[0]?.id, adminId, doomed[1]?.id] });
    expectResults(response, [
      [doomed[0]?.id as string, true],
      [adminId, 'cannot_target_self'],
      [doomed[1]?.id as string, true],
    ]);
    for (const user of doomed) {
      expect((await server.request('GET', ME, { token: user.accessToken })).status).toBe(401);
      expectInvalidCredentials(await server.request('POST', LOGIN, { json: { username: user.email, password: user.password } }));
      expectProblem(await server.request('GET', `/api/v1/users/${user.id}`, { token: admin.accessToken }), 404, 'not_found');
    }
    expectResults(await bulk({ action: 'delete', ids: [doomed[0]?.id] }), [[doomed[0]?.id as string, 'not_found']]);
    expect((await server.request('GET', ME, { token: admin.accessToken })).status).toBe(200);
  });

  it('handles 1000 ids in one request, one result each, in order', async () => {
    const user = await createUser(server, admin.accessToken);
    const ids = Array.from({ length: 999 }, () => unknownUserId());
    ids.splice(500, 0, user.id);
    const response = await bulk({ action: 'verify', ids });
    expect(response.status, response.text).toBe(200);
    expect(response.body.results.map((result: { id: string }) => result.id)).toEqual(ids);
    expect(response.body.results[500]).toEqual({ id: user.id, ok: true });
    expect(response.body.results.filter((result: { ok: boolean }) => !result.ok)).toHaveLength(999);
  });

  it.each<[string, unknown]>([
    ['1001 ids', { action: 'verify', ids: Array.from({ length: 1001 }, () => unknownUserId()) }],
    ['no ids', { action: 'verify', ids: [] }],
    ['a repeated id', { action: 'suspend', ids: ['ID', 'other', 'ID'] }],
    ['set_role without a role', { action: 'set_role', ids: ['x'] }],
    ['a role with another action', { action: 'suspend', role: 'admin', ids: ['x'] }],
    ['a reason with another action', { action: 'delete', reason: 'because', ids: ['x'] }],
    ['an unknown role', { action: 'set_role', role: 'root', ids: ['x'] }],
    ['an unknown action', { action: 'promote', ids: ['x'] }],
    ['an unknown field', { action: 'verify', ids: ['x'], is_superuser: true }],
    ['ids that are not strings', { action: 'verify', ids: [1, 2] }],
    ['ids as one string', { action: 'verify', ids: 'x' }],
    ['an empty id', { action: 'verify', ids: [''] }],
    ['a 65-character id', { action: 'verify', ids: ['x'.repeat(65)] }],
    ['a 501-character reason', { action: 'suspend', reason: 'x'.repeat(501), ids: ['x'] }],
    ['a JSON array', [{ action: 'verify', ids: ['x'] }]],
  ])('refuses %s with 422 and applies nothing', async (_name, json) => {
    const target = await createAndLogin(server, admin.accessToken);
    const withTarget = Array.isArray((json as { ids?: unknown }).ids) && (json as { ids: unknown[] }).ids.length > 0
      ? { ...(json as object), ids: [target.id, ...(json as { ids: unknown[] }).ids] }
      : json;
    expectProblem(await bulk(withTarget), 422, 'validation_failed');
    expect((await server.request('GET', ME, { token: target.accessToken })).status).toBe(200);
    expect(await getUser(target.id)).toMatchObject({ role: 'user', is_suspended: false });
  });

  it('is for admins only: 401 anonymous, 403 for a user or a guest, before the body is read', async () => {
    const user = await createAndLogin(server, admin.accessToken);
    const guest = await createAndLogin(server, admin.accessToken, 'guest');
    const body = { action: 'set_role', role: 'admin', ids: [user.id, guest.id] };
    expectProblem(await server.request('POST', BULK, { json: body }), 401, 'not_authenticated');
    for (const caller of [user, guest]) {
      expectProblem(await server.request('POST', BULK, { json: body, token: caller.accessToken }), 403, 'forbidden');
      expectProblem(await server.request('POST', BULK, { json: { action: 'verify', ids: Array.from({ length: 5000 }, () => 'x') }, token: caller.accessToken }), 403, 'forbidden');
    }
    expect((await getUser(user.id)).role).toBe('user');
    expect((await getUser(guest.id)).role).toBe('guest');
  });

  describe('from the command line, where no id is the caller’s own', () => {
    it('keeps the last active admin and applies the rest', async () => {
      for (const id of (await activeAdminIds(server)).filter((id) => id !== adminId)) await setRole(server.ctx, CLI_ACTOR, id, 'user');
      const user = await createUser(server, admin.accessToken);
      const results = await runBulk(server.ctx, () => {}, CLI_ACTOR, { action: 'suspend', ids: [user.id, adminId], reason: null });
      expect(results).toEqual([
        { id: user.id, ok: true },
        { id: adminId, ok: false, error: 'last_admin' },
      ]);
      expect(await runBulk(server.ctx, () => {}, CLI_ACTOR, { action: 'set_role', role: 'user', ids: [adminId] })).toEqual([{ id: adminId, ok: false, error: 'last_admin' }]);
      expect(await runBulk(server.ctx, () => {}, CLI_ACTOR, { action: 'delete', ids: [adminId] })).toEqual([{ id: adminId, ok: false, error: 'last_admin' }]);
      expect((await getUser(user.id)).is_suspended).toBe(true);
      expect(await getUser(adminId)).toMatchObject({ role: 'admin', is_suspended: false });
      const audit = await server.ctx.repos.audit.listInvolving(user.id, 10);
      expect(audit.find((event) => event.action === 'user.suspended')).toMatchObject({ actorId: null, details: { via: 'cli' } });
    });
  });
});
