import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { GatehouseClient } from '../src/index.js';
import { bootstrapAdmin, clientOf, describeEachDatabase, GOOD_PASSWORD, NO_LIMITS, registerUser, startTestServer, type TestServer } from './helpers/gatehouse.js';

const ADMIN = { email: 'root@example.com', password: 'admin passphrase for tests' };

describeEachDatabase('administration through the client', (dialect) => {
  let server: TestServer;
  let admin: GatehouseClient;
  beforeAll(async () => {
    server = await startTestServer({ dialect, env: { ...NO_LIMITS, ...bootstrapAdmin(ADMIN) } });
    admin = clientOf(server);
    await admin.login({ username: ADMIN.email, password: ADMIN.password });
  });
  afterAll(() => server.close());

  it('searches the directory page by page with the server’s cursor', async () => {
    const tag = `pager${randomBytes(3).toString('hex')}`;
    const created = [];
    for (let i = 0; i < 5; i++) created.push(await admin.admin.users.create({ email: `${tag}-${i}@example.com`, password: GOOD_PASSWORD, is_verified: true }));

    const first = await admin.admin.users.list({ q: tag, limit: 2, sort: 'email' });
    expect(first).toMatchObject({ total: 5, total_exact: true });
    expect(first.items.map((user) => user.email)).toEqual([`${tag}-0@example.com`, `${tag}-1@example.com`]);
    expect(first.next_cursor).toEqual(expect.any(String));
    const second = await admin.admin.users.list({ q: tag, limit: 2, sort: 'email', cursor: first.next_cursor as string });
    expect(second.items.map((user) => user.email)).toEqual([`${tag}-2@example.com`, `${tag}-3@example.com`]);

    const everyone = [];
    for await (const user of admin.admin.users.all({ q: tag, limit: 2, sort: 'email' })) everyone.push(user.id);
    expect(everyone).toEqual(created.map((user) => user.id));
  });

  it('reads, edits, suspends, unsuspends, unlocks, resets and deletes a user', async () => {
    const user = await registerUser(server);
    const theirs = clientOf(server);
    await theirs.login({ username: user.email, password: user.password });
    const users = admin.admin.users;

    expect(await users.get(user.id)).toMatchObject({ id: user.id, email: user.email, rate_limit_per_minute: null });
    expect(await users.update(user.id, { display_name: 'Edited', rate_limit_per_minute: 99 })).toMatchObject({ display_name: 'Edited', rate_limit_per_minute: 99 });

    expect((await users.loginHistory(user.id)).items[0]).toMatchObject({ success: true });
    const sessions = await users.sessions(user.id);
    expect(sessions.items).toHaveLength(1);

    expect(await users.suspend(user.id, { reason: 'testing' })).toMatchObject({ is_suspended: true });
    await expect(theirs.me()).rejects.toMatchObject({ status: 401 });
    expect(await users.unsuspend(user.id)).toMatchObject({ is_suspended: false });
    expect(await users.unlock(user.id)).toMatchObject({ success: true });
    expect(await users.resetPassword(user.id, { new_password: 'set by the admin now' })).toMatchObject({ success: true });
    await theirs.login({ username: user.email, password: 'set by the admin now' });
    await users.revokeSessions(user.id);
    expect((await users.sessions(user.id)).items).toHaveLength(0);

    await users.delete(user.id);
    await expect(users.get(user.id)).rejects.toMatchObject({ status: 404, code: 'not_found' });
  });

  it('runs bulk actions, reads the audit log, stats and the user count', async () => {
    const user = await registerUser(server);
    const unknown = '01900000-0000-7000-8000-000000000000';
    const { results } = await admin.admin.users.bulk({ action: 'verify', ids: [user.id, unknown] });
    expect(results).toEqual([{ id: user.id, ok: true }, { id: unknown, ok: false, error: 'not_found' }]);

    const log = await admin.admin.auditLog({ action: 'user.*', limit: 5 });
    expect(log.items.length).toBeGreaterThan(0);
    expect(log.items.every((entry) => entry.action.startsWith('user.'))).toBe(true);
    const stats = await admin.admin.stats();
    expect(stats.users.admins).toBe(1);
    expect(await admin.admin.users.count()).toBe(stats.users.total);
  });

  it('a user gets 403 forbidden from admin calls', async () => {
    const user = await registerUser(server);
    const client = clientOf(server);
    await client.login({ username: user.email, password: user.password });
    await expect(client.admin.stats()).rejects.toMatchObject({ status: 403, code: 'forbidden' });
    await expect(client.admin.users.list()).rejects.toMatchObject({ status: 403, code: 'forbidden' });
  });
});
