import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activeAdminIds, bootstrapAdmin, createAndLogin, createUser, loginAdmin, type ManagedUser, unknownUserId } from '../helpers/admin.js';
import { describeEachDatabase } from '../helpers/databases.js';
import { expectInvalidCredentials, expectProblem } from '../helpers/problems.js';
import { type HttpResponse, type RequestOptions, startTestServer, type TestServer } from '../helpers/test-server.js';
import { ADMIN_USER_FIELDS, GOOD_PASSWORD, type LoggedIn, loginAs, registerUser, USER_FIELDS, uniqueEmail } from '../helpers/users.js';

/**
 * POST /users and GET/PATCH/DELETE /users/{id} per API.md "Users and administration": administrators create, read,
 * edit and delete any account; a user reads and edits only their own profile, and another user's id answers 404
 * exactly as an unknown one does (no IDOR, existence not revealed); role and status are never self-service; the
 * last active admin cannot be demoted, deactivated or deleted, even by two admins racing each other.
 */

const USERS = '/api/v1/users';
const ME = '/api/v1/users/me';
const ADMIN = { email: 'manage-admin@example.com', password: 'user management admin passphrase' };
const ENV = { RATE_LIMIT_ENABLED: 'false', ...bootstrapAdmin(ADMIN) };
// A route an admin may call and nobody else, to tell from the status alone whether a token carries admin rights.
const adminOnly = (id: string) => `/api/v1/admin/users/${id}/login-history`;

describeEachDatabase('user management', (dialect) => {
  let server: TestServer;
  let admin: LoggedIn;
  let adminId: string;
  beforeAll(async () => {
    server = await startTestServer({ dialect, env: ENV });
    ({ id: adminId, ...admin } = await loginAdmin(server, ADMIN));
  });
  afterAll(() => server.close());

  const asAdmin = (method: string, path: string, options: RequestOptions = {}) => server.request(method, path, { token: admin.accessToken, ...options });
  const userPath = (id: string) => `${USERS}/${id}`;
  const getAs = (token: string, id: string) => server.request('GET', userPath(id), { token });
  const patchAs = (token: string, id: string, json: unknown) => server.request('PATCH', userPath(id), { token, json });

  async function expectUnchanged(user: ManagedUser, fields: Record<string, unknown>): Promise<void> {
    const response = await asAdmin('GET', userPath(user.id));
    expect(response.status, response.text).toBe(200);
    expect(response.body).toMatchObject(fields);
  }

  describe('POST /users', () => {
    it('creates a user with every field an admin may set (201 User); they can log in; the audit names the admin', async () => {
      const email = uniqueEmail('Created');
      const response = await asAdmin('POST', USERS, {
        json: { email: `  ${email.toUpperCase()} `, username: 'Created.User_1', password: GOOD_PASSWORD, display_name: 'Créé Ünïcode', role: 'admin', is_verified: true },
      });
      expect(response.status, response.text).toBe(201);
      expect(Object.keys(response.body).sort()).toEqual(USER_FIELDS);
      expect(response.body).toMatchObject({
        email: email.toLowerCase(),
        username: 'Created.User_1',
        display_name: 'Créé Ünïcode',
        role: 'admin',
        is_superuser: true,
        is_verified: true,
        is_active: true,
        is_suspended: false,
        last_login_at: null,
      });
      const session = await loginAs(server, { email, password: GOOD_PASSWORD });
      expect((await server.request('GET', ME, { token: session.accessToken })).body.id).toBe(response.body.id);

      const audit = await server.ctx.repos.audit.listInvolving(response.body.id, 10);
      expect(audit.find((event) => event.action === 'user.created')).toMatchObject({ actorId: adminId, targetId: response.body.id, details: { role: 'admin' } });
    });

    it('defaults to an unverified plain user, and accepts a username alone or full_name for display_name', async () => {
      const plain = await asAdmin('POST', USERS, { json: { email: uniqueEmail(), password: GOOD_PASSWORD, full_name: 'Tutorial Era' } });
      expect(plain.status, plain.text).toBe(201);
      expect(plain.body).toMatchObject({ role: 'user', is_verified: false, is_superuser: false, display_name: 'Tutorial Era' });

      const byName = await asAdmin('POST', USERS, { json: { username: 'no_email_user', password: GOOD_PASSWORD } });
      expect(byName.status, byName.text).toBe(201);
      expect(byName.body).toMatchObject({ email: null, username: 'no_email_user' });
      const login = await server.request('POST', '/api/v1/auth/login', { json: { username: 'NO_EMAIL_USER', password: GOOD_PASSWORD } });
      expect(login.status, login.text).toBe(200);
    });

    it('needs an email or a username (422) and refuses duplicates with 409, whatever the case', async () => {
      const none = await asAdmin('POST', USERS, { json: { password: GOOD_PASSWORD, display_name: 'Nobody' } });
      expectProblem(none, 422, 'validation_failed');

      const existing = await createUser(server, admin.accessToken);
      expectProblem(await asAdmin('POST', USERS, { json: { email: existing.email.toUpperCase(), password: GOOD_PASSWORD } }), 409, 'email_taken');
      expectProblem(await asAdmin('POST', USERS, { json: { username: existing.username.toUpperCase(), password: GOOD_PASSWORD } }), 409, 'username_taken');
    });

    it('applies the password policy (422 naming /password)', async () => {
      for (const password of ['short', 'password123', 'x'.repeat(129)]) {
        const response = await asAdmin('POST', USERS, { json: { email: uniqueEmail(), password } });
        expectProblem(response, 422, 'validation_failed');
        expect(response.body.errors).toEqual([expect.objectContaining({ path: '/password' })]);
      }
    });

    it('is for admins only: 401 anonymous, 403 for a user or a guest, before the body is even read', async () => {
      const user = await createAndLogin(server, admin.accessToken, 'user');
      const guest = await createAndLogin(server, admin.accessToken, 'guest');
      const body = { email: uniqueEmail('sneaky'), password: GOOD_PASSWORD, role: 'admin' };
      expectProblem(await server.request('POST', USERS, { json: body }), 401, 'not_authenticated');
      for (const caller of [user, guest]) {
        expectProblem(await server.request('POST', USERS, { json: body, token: caller.accessToken }), 403, 'forbidden');
        expectProblem(await server.request('POST', USERS, { raw: '{"email":', headers: { 'content-type': 'application/json' }, token: caller.accessToken }), 403, 'forbidden');
      }
      expectInvalidCredentials(await server.request('POST', '/api/v1/auth/login', { json: { username: body.email, password: GOOD_PASSWORD } }));
    });

    it.each<[string, unknown, number]>([
      ['an unknown field (is_superuser)', { is_superuser: true }, 422],
      ['an unknown role', { role: 'root' }, 422],
      ['is_verified as a string', { is_verified: 'yes' }, 422],
      ['a password that is a number', { password: 12345678 }, 422],
      ['a 10 000-character email', { email: `${'a'.repeat(10_000)}@example.com` }, 422],
      ['two addresses in one email', { email: 'ada@example.com,eve@example.com' }, 422],
      ['a username in Cyrillic look-alikes', { username: 'аdmin' }, 422],
      ['a display name with a bidi override', { display_name: 'evil\u202Egnp.exe' }, 422],
      ['a display name with a lone surrogate', { display_name: 'bad \ud800 name' }, 422],
      ['both display_name and full_name', { display_name: 'A', full_name: 'B' }, 422],
      ['a JSON array', [], 422],
    ])('answers %s with a problem document and creates nobody', async (_name, change, status) => {
      const email = uniqueEmail('invalid');
      const json = Array.isArray(change) ? change : { email, password: GOOD_PASSWORD, ...(change as object) };
      const response = await asAdmin('POST', USERS, { json });
      expect(response.status, response.text).toBe(status);
      expect(response.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
      expect(await server.ctx.repos.users.findByEmail(email)).toBeUndefined();
    });

    it('creates a guest that can read its own account and change nothing', async () => {
      const guest = await createAndLogin(server, admin.accessToken, 'guest');
      const me = await server.request('GET', ME, { token: guest.accessToken });
      expect(me.status, me.text).toBe(200);
      expect(me.body).toMatchObject({ id: guest.id, role: 'guest', is_superuser: false });
      expect((await getAs(guest.accessToken, guest.id)).status).toBe(200);

      expectProblem(await server.request('PATCH', ME, { token: guest.accessToken, json: { display_name: 'Guest' } }), 403, 'forbidden');
      expectProblem(await patchAs(guest.accessToken, guest.id, { display_name: 'Guest' }), 403, 'forbidden');
      expectProblem(await server.request('DELETE', ME, { token: guest.accessToken, json: { password: guest.password } }), 403, 'forbidden');
      expectProblem(await server.request('POST', '/api/v1/auth/api-keys', { token: guest.accessToken, json: { name: 'k' } }), 403, 'forbidden');
      expect((await server.request('GET', ME, { token: guest.accessToken })).body.display_name).toBeNull();
    });
  });

  describe('GET /users/{id}', () => {
    it('lets an admin read anyone and a user read themself', async () => {
      const user = await createAndLogin(server, admin.accessToken);
      const byAdmin = await getAs(admin.accessToken, user.id);
      expect(byAdmin.status, byAdmin.text).toBe(200);
      expect(Object.keys(byAdmin.body).sort()).toEqual(ADMIN_USER_FIELDS);
      expect(byAdmin.body).toMatchObject({ id: user.id, email: user.email, username: user.username });
      const bySelf = await getAs(user.accessToken, user.id);
      expect(bySelf.status, bySelf.text).toBe(200);
      // The user sees themself as the admin does, without the admin-only fields (rate limits, usage).
      expect(bySelf.body).toEqual(Object.fromEntries(USER_FIELDS.map((field) => [field, byAdmin.body[field]])));
    });

    it('answers a user or a guest asking about someone else exactly as about nobody: 404 not_found', async () => {
      const user = await createAndLogin(server, admin.accessToken, 'user');
      const guest = await createAndLogin(server, admin.accessToken, 'guest');
      const other = await registerUser(server);
      for (const caller of [user, guest]) {
        const nobody = await getAs(caller.accessToken, unknownUserId());
        expectProblem(nobody, 404, 'not_found');
        for (const target of [other.id, adminId, caller === user ? guest.id : user.id]) {
          const response = await getAs(caller.accessToken, target);
          expectProblem(response, 404, 'not_found');
          expect(response.text).toBe(nobody.text);
        }
      }
    });

    it('answers 404 to an admin for an unknown or malformed id, and 401 to an anonymous caller', async () => {
      for (const id of [unknownUserId(), 'not-a-user-id', '%F0%9F%A6%84', 'x'.repeat(64)]) expectProblem(await getAs(admin.accessToken, id), 404, 'not_found');
      expectProblem(await server.request('GET', userPath(adminId)), 401, 'not_authenticated');
    });

    it('leaves /users/me to the caller’s own profile routes', async () => {
      const user = await createAndLogin(server, admin.accessToken);
      const me = await server.request('GET', ME, { token: user.accessToken });
      expect(me.body.id).toBe(user.id);
      // PATCH /users/me keeps its own rules (email needs current_password), not those of /users/{id}.
      const patched = await server.request('PATCH', ME, { token: user.accessToken, json: { email: uniqueEmail(), current_password: user.password } });
      expect(patched.status, patched.text).toBe(200);
      expectProblem(await server.request('PATCH', ME, { token: user.accessToken, json: { role: 'admin' } }), 422, 'validation_failed');
    });
  });

  describe('PATCH /users/{id}', () => {
    it('lets an admin change the profile, email and verification of another user; the new email is unverified', async () => {
      const user = await createAndLogin(server, admin.accessToken);
      const email = uniqueEmail('renamed');
      const response = await patchAs(admin.accessToken, user.id, { display_name: 'New Name', username: 'renamed_by_admin', email });
      expect(response.status, response.text).toBe(200);
      expect(Object.keys(response.body).sort()).toEqual(ADMIN_USER_FIELDS);
      expect(response.body).toMatchObject({ id: user.id, display_name: 'New Name', username: 'renamed_by_admin', email, is_verified: false });

      const verified = await patchAs(admin.accessToken, user.id, { is_verified: true, full_name: null });
      expect(verified.body).toMatchObject({ is_verified: true, display_name: null });
      const audit = await server.ctx.repos.audit.listInvolving(user.id, 10);
      expect(audit.find((event) => event.action === 'user.email_changed')).toMatchObject({ actorId: adminId, details: { fields: expect.arrayContaining(['email']) } });
      // Nothing to change is no change and no audit entry.
      const same = await patchAs(admin.accessToken, user.id, { username: 'renamed_by_admin' });
      expect(same.status).toBe(200);
      expect((await server.ctx.repos.audit.listInvolving(user.id, 10)).length).toBe(audit.length);
    });

    it('refuses duplicates (409) and unknown ids (404)', async () => {
      const user = await createUser(server, admin.accessToken);
      const other = await createUser(server, admin.accessToken);
      expectProblem(await patchAs(admin.accessToken, user.id, { username: other.username.toUpperCase() }), 409, 'username_taken');
      expectProblem(await patchAs(admin.accessToken, user.id, { email: other.email }), 409, 'email_taken');
      expectProblem(await patchAs(admin.accessToken, unknownUserId(), { display_name: 'ghost' }), 404, 'not_found');
      await expectUnchanged(user, { username: user.username, email: user.email });
    });

    it('promotes at once: the promoted user’s existing token gains admin rights, with an audit entry from → to', async () => {
      const user = await createAndLogin(server, admin.accessToken);
      expectProblem(await server.request('GET', adminOnly(user.id), { token: user.accessToken }), 403, 'forbidden');
      const response = await patchAs(admin.accessToken, user.id, { role: 'admin' });
      expect(response.body).toMatchObject({ role: 'admin', is_superuser: true });
      expect((await server.request('GET', adminOnly(user.id), { token: user.accessToken })).status).toBe(200);
      const audit = await server.ctx.repos.audit.listInvolving(user.id, 10);
      expect(audit.find((event) => event.action === 'user.role_changed')).toMatchObject({ actorId: adminId, targetId: user.id, details: { from: 'user', to: 'admin' } });
    });

    it('demotes at once: a demoted admin’s existing access token loses admin access with no new login', async () => {
      const other = await createAndLogin(server, admin.accessToken, 'admin');
      // Warm the caches of the authenticated path first: the demotion must not wait for them.
      expect((await server.request('GET', adminOnly(adminId), { token: other.accessToken })).status).toBe(200);
      const response = await patchAs(admin.accessToken, other.id, { role: 'user' });
      expect(response.status, response.text).toBe(200);
      expectProblem(await server.request('GET', adminOnly(adminId), { token: other.accessToken }), 403, 'forbidden');
      expectProblem(await patchAs(other.accessToken, adminId, { role: 'user' }), 404, 'not_found');
      // Still a working account: a demotion ends no session.
      expect((await server.request('GET', ME, { token: other.accessToken })).body.role).toBe('user');
    });

    it('deactivating ends every session at once and refuses logins; activating again lets the user back in', async () => {
      const user = await createAndLogin(server, admin.accessToken);
      const deactivated = await patchAs(admin.accessToken, user.id, { is_active: false });
      expect(deactivated.status, deactivated.text).toBe(200);
      expect(deactivated.body.is_active).toBe(false);
      expectProblem(await server.request('GET', ME, { token: user.accessToken }), 401, 'session_revoked');
      expectProblem(await server.request('POST', '/api/v1/auth/refresh', { json: { refresh_token: user.refreshToken } }), 401, 'invalid_refresh_token');
      expectProblem(await server.request('POST', '/api/v1/auth/login', { json: { username: user.email, password: user.password } }), 403, 'account_inactive');

      expect((await patchAs(admin.accessToken, user.id, { is_active: true })).body.is_active).toBe(true);
      await loginAs(server, user);
      const actions = (await server.ctx.repos.audit.listInvolving(user.id, 20)).map((event) => event.action);
      expect(actions).toEqual(expect.arrayContaining(['user.deactivated', 'user.activated', 'session.revoked']));
    });

    it('lets a user change their own display name and username, and nothing else', async () => {
      const user = await createAndLogin(server, admin.accessToken);
      const response = await patchAs(user.accessToken, user.id, { full_name: 'Self Made', username: 'self_renamed' });
      expect(response.status, response.text).toBe(200);
      expect(response.body).toMatchObject({ display_name: 'Self Made', username: 'self_renamed', role: 'user' });

      for (const [field, value] of [['role', 'admin'], ['is_active', false], ['is_verified', false], ['email', uniqueEmail()]] as const) {
        const refused = await patchAs(user.accessToken, user.id, { [field]: value, display_name: 'Sneaky' });
        expectProblem(refused, 422, 'validation_failed');
        expect(refused.body.errors).toEqual([expect.objectContaining({ path: `/${field}` })]);
      }
      const me = await server.request('GET', ME, { token: user.accessToken });
      expect(me.body).toMatchObject({ role: 'user', is_active: true, is_verified: true, email: user.email, display_name: 'Self Made' });
    });

    it('answers a user editing someone else with 404 (as for nobody) and changes nothing; a guest gets 403', async () => {
      const user = await createAndLogin(server, admin.accessToken);
      const guest = await createAndLogin(server, admin.accessToken, 'guest');
      const victim = await createUser(server, admin.accessToken);
      const nobody = await patchAs(user.accessToken, unknownUserId(), { display_name: 'x' });
      expectProblem(nobody, 404, 'not_found');
      for (const change of [{ display_name: 'Owned' }, { role: 'admin' }, { email: uniqueEmail('takeover') }, { is_active: false }, {}]) {
        for (const target of [victim.id, adminId]) {
          const response = await patchAs(user.accessToken, target, change);
          expectProblem(response, 404, 'not_found');
          expect(response.text).toBe(nobody.text);
          expectProblem(await patchAs(guest.accessToken, target, change), 403, 'forbidden');
        }
      }
      await expectUnchanged(victim, { display_name: null, role: 'user', email: victim.email, is_active: true });
      expect((await getAs(admin.accessToken, adminId)).body).toMatchObject({ role: 'admin', is_active: true });
    });

    it.each<[string, RequestOptions]>([
      ['an unknown field (is_superuser)', { json: { is_superuser: true } }],
      ['a password field', { json: { password: 'a new password here' } }],
      ['a rate limit of zero', { json: { rate_limit_per_minute: 0 } }],
      ['a role that is not one', { json: { role: 'superadmin' } }],
      ['is_active as a string', { json: { is_active: 'false' } }],
      ['a username that is an object', { json: { username: { $ne: null } } }],
      ['a 100 000-character display name', { json: { display_name: 'x'.repeat(100_000) } }],
      ['a username with a NUL', { json: { username: 'bad\u0000name' } }],
      ['a username of emoji', { json: { username: '🦄🦄🦄' } }],
      ['a display name of control characters', { json: { display_name: '\u0007\u0008' } }],
      ['malformed JSON', { raw: '{"role": ', headers: { 'content-type': 'application/json' } }],
      ['a form body', { form: { role: 'admin' } }],
    ])('answers %s with a 4xx problem, never a 500, and changes nothing', async (_name, options) => {
      const user = await createAndLogin(server, admin.accessToken);
      for (const token of [admin.accessToken, user.accessToken]) {
        const response = await server.request('PATCH', userPath(user.id), { ...options, token });
        expect(response.status, response.text).toBeGreaterThanOrEqual(400);
        expect(response.status, response.text).toBeLessThan(500);
        expect(response.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
      }
      await expectUnchanged(user, { role: 'user', is_active: true, display_name: null, username: user.username });
    });
  });

  describe('DELETE /users/{id}', () => {
    it('deletes the user (204): their tokens die at once, they cannot log in, and the audit names the admin', async () => {
      const user = await createAndLogin(server, admin.accessToken);
      expect((await server.request('GET', ME, { token: user.accessToken })).status).toBe(200);
      const response = await asAdmin('DELETE', userPath(user.id));
      expect(response.status, response.text).toBe(204);
      expect(response.text).toBe('');
      expect((await server.request('GET', ME, { token: user.accessToken })).status).toBe(401);
      expectProblem(await server.request('POST', '/api/v1/auth/refresh', { json: { refresh_token: user.refreshToken } }), 401, 'invalid_refresh_token');
      expectInvalidCredentials(await server.request('POST', '/api/v1/auth/login', { json: { username: user.email, password: user.password } }));
      expectProblem(await getAs(admin.accessToken, user.id), 404, 'not_found');
      expectProblem(await asAdmin('DELETE', userPath(user.id)), 404, 'not_found');

      const audit = await server.ctx.repos.audit.listInvolving(user.id, 20);
      expect(audit.find((event) => event.action === 'user.deleted')).toMatchObject({ actorId: adminId, targetId: user.id, details: { sessions: 1 } });
    });

    it('answers 404 for an unknown id and 422 for the admin’s own account (that is DELETE /users/me)', async () => {
      expectProblem(await asAdmin('DELETE', userPath(unknownUserId())), 404, 'not_found');
      const self = await asAdmin('DELETE', userPath(adminId));
      expectProblem(self, 422, 'validation_failed');
      expect((await server.request('GET', ME, { token: admin.accessToken })).status).toBe(200);
    });

    it('is for admins only: 401 anonymous, 403 for a user (even about themself) or a guest', async () => {
      const user = await createAndLogin(server, admin.accessToken);
      const guest = await createAndLogin(server, admin.accessToken, 'guest');
      expectProblem(await server.request('DELETE', userPath(user.id)), 401, 'not_authenticated');
      for (const caller of [user, guest]) {
        for (const target of [user.id, guest.id, adminId]) expectProblem(await server.request('DELETE', userPath(target), { token: caller.accessToken }), 403, 'forbidden');
      }
      expect((await server.request('GET', ME, { token: user.accessToken })).status).toBe(200);
    });
  });

  describe('the last active admin', () => {
    let lone: TestServer;
    let loneAdmin: LoggedIn;
    let loneAdminId: string;
    beforeAll(async () => {
      lone = await startTestServer({ dialect, env: ENV });
      loneAdmin = await loginAs(lone, ADMIN);
      loneAdminId = (await lone.request('GET', ME, { token: loneAdmin.accessToken })).body.id;
    });
    afterAll(() => lone.close());

    it('cannot demote or deactivate themself (422 last_admin, saying what to do) and stays an admin', async () => {
      for (const change of [{ role: 'user' }, { role: 'guest' }, { is_active: false }, { role: 'user', display_name: 'Gone' }]) {
        const response = await lone.request('PATCH', userPath(loneAdminId), { token: loneAdmin.accessToken, json: change });
        expectProblem(response, 422, 'last_admin');
        expect(response.body.detail).toMatch(/promote another admin/i);
      }
      const me = await lone.request('GET', ME, { token: loneAdmin.accessToken });
      expect(me.body).toMatchObject({ role: 'admin', is_active: true, display_name: null });
      expect(await activeAdminIds(lone)).toEqual([loneAdminId]);
    });

    it('can step down once another active admin exists', async () => {
      const successor = await createAndLogin(lone, loneAdmin.accessToken, 'admin');
      const steppedDown = await lone.request('PATCH', userPath(loneAdminId), { token: loneAdmin.accessToken, json: { role: 'user' } });
      expect(steppedDown.status, steppedDown.text).toBe(200);
      expectProblem(await lone.request('GET', adminOnly(successor.id), { token: loneAdmin.accessToken }), 403, 'forbidden');
      // The successor is now the last one, and the rule holds for them too.
      expectProblem(await lone.request('PATCH', userPath(successor.id), { token: successor.accessToken, json: { is_active: false } }), 422, 'last_admin');
      // Back to the starting point for the next test.
      expect((await lone.request('PATCH', userPath(loneAdminId), { token: successor.accessToken, json: { role: 'admin' } })).status).toBe(200);
      expect((await lone.request('PATCH', userPath(successor.id), { token: loneAdmin.accessToken, json: { role: 'user' } })).status).toBe(200);
      expect(await activeAdminIds(lone)).toEqual([loneAdminId]);
    });

    /**
     * Two admins, each taking the other's rights away at the same moment: without the lock both would see "there is
     * another admin" and both would win, leaving none. Several rounds, for each way of taking the rights away.
     */
    it.each<[string, (pair: AdminPair) => Promise<HttpResponse>[]]>([
      ['demote each other', ({ a, b }) => [patchOn(b.accessToken, a.id, { role: 'user' }), patchOn(a.accessToken, b.id, { role: 'user' })]],
      ['demote themselves', ({ a, b }) => [patchOn(a.accessToken, a.id, { role: 'user' }), patchOn(b.accessToken, b.id, { role: 'guest' })]],
      ['deactivate each other', ({ a, b }) => [patchOn(b.accessToken, a.id, { is_active: false }), patchOn(a.accessToken, b.id, { is_active: false })]],
      ['suspend each other', ({ a, b }) => [post(b.accessToken, `/api/v1/admin/users/${a.id}/suspend`, {}), post(a.accessToken, `/api/v1/admin/users/${b.id}/suspend`, {})]],
      ['delete each other', ({ a, b }) => [lone.request('DELETE', userPath(a.id), { token: b.accessToken }), lone.request('DELETE', userPath(b.id), { token: a.accessToken })]],
      [
        'demote each other in bulk',
        ({ a, b }) => [
          post(b.accessToken, '/api/v1/admin/users/bulk', { action: 'set_role', role: 'user', ids: [a.id] }),
          post(a.accessToken, '/api/v1/admin/users/bulk', { action: 'set_role', role: 'user', ids: [b.id] }),
        ],
      ],
    ])('of the last two admins racing to %s, exactly one wins', async (_name, race) => {
      for (let round = 0; round < 4; round++) {
        const pair = await lastTwoAdmins();
        const responses = await Promise.all(race(pair));
        const won = responses.filter((response) => response.status < 300 && response.body?.results?.[0]?.ok !== false);
        expect(won.length, responses.map((response) => response.text).join('\n')).toBe(1);
        for (const lost of responses.filter((response) => !won.includes(response))) {
          // Refused by the rule or, when the winner committed first, as someone who is no longer an admin (a plain
          // user editing another user gets the 404 of API.md "Other users' objects").
          const refusal = lost.body?.results?.[0]?.error ?? lost.body?.code;
          expect(['last_admin', 'forbidden', 'not_found', 'session_revoked', 'invalid_token']).toContain(refusal);
        }
        const remaining = await activeAdminIds(lone);
        expect(remaining).toHaveLength(1);
        expect([pair.a.id, pair.b.id]).toContain(remaining[0]);
        loneAdmin = await loginAs(lone, pair.a.id === remaining[0] ? pair.a : pair.b);
        loneAdminId = remaining[0] as string;
      }
    });

    interface AdminPair {
      readonly a: ManagedUser & LoggedIn;
      readonly b: ManagedUser & LoggedIn;
    }

    const patchOn = (token: string, id: string, json: unknown) => lone.request('PATCH', userPath(id), { token, json });
    const post = (token: string, path: string, json: unknown) => lone.request('POST', path, { token, json });

    /** Two new admins; the current one steps down, leaving exactly those two. */
    async function lastTwoAdmins(): Promise<AdminPair> {
      const a = await createAndLogin(lone, loneAdmin.accessToken, 'admin');
      const b = await createAndLogin(lone, loneAdmin.accessToken, 'admin');
      const steppedDown = await patchOn(loneAdmin.accessToken, loneAdminId, { role: 'user' });
      expect(steppedDown.status, steppedDown.text).toBe(200);
      expect(await activeAdminIds(lone)).toEqual([a.id, b.id].sort());
      return { a, b };
    }
  });
});
