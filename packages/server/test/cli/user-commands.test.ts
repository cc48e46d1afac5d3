import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, runCli } from '../helpers/cli.js';
import { createTestDatabase, describeEachDatabase, type TestDatabase } from '../helpers/databases.js';
import { expectProblem } from '../helpers/problems.js';
import { startSmtpServer } from '../helpers/smtp.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { GOOD_PASSWORD, loginAs, uniqueEmail } from '../helpers/users.js';

/**
 * `gatehouse user list|show|suspend|unsuspend|set-role|reset-password|delete` act through the same use-cases as the
 * administration API, so its rules (the last admin, the password policy) and the audit trail hold at the command
 * line too. Each change is checked over HTTP on a server started on the same database afterwards.
 */

const NEW_PASSWORD = 'a brand new passphrase for the cli';

describe('gatehouse user --help', () => {
  it.each([
    [['user', 'list'], ['--query', '--role', '--status', '--sort', '--json', 'Examples:']],
    [['user', 'show'], ['<user>', 'id, email or username', '--json', 'Examples:']],
    [['user', 'suspend'], ['--reason', '--until', 'Examples:']],
    [['user', 'unsuspend'], ['<user>', 'Example:']],
    [['user', 'set-role'], ['<role>', '"admin"', 'last active admin', 'Examples:']],
    [['user', 'reset-password'], ['--password-stdin', '--interactive', '--send-email', 'Examples:']],
    [['user', 'delete'], ['--yes', 'Examples:']],
  ])('gatehouse %j --help explains the command', async (command, mentions) => {
    const result = await runCli([...command, '--help'], { env: { ENVIRONMENT: 'test' } });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`Usage: gatehouse ${command.join(' ')}`);
    for (const text of mentions) expect(result.stdout).toContain(text);
  });
});

describeEachDatabase('gatehouse user commands', (dialect) => {
  let database: TestDatabase;
  let env: Record<string, string>;
  const admin = { email: uniqueEmail('cli-admin'), password: GOOD_PASSWORD };

  const cli = (args: string[], input?: string) => runCli(['user', ...args], { env, ...(input !== undefined && { input }) });
  async function createUser(role = 'user', email = uniqueEmail('cli')): Promise<{ id: string; email: string; password: string }> {
    const result = await cli(['create', '--email', email, '--role', role, '--password-stdin'], GOOD_PASSWORD);
    expect(result.code, result.stderr).toBe(0);
    return { id: /id:\s+(\S+)/.exec(result.stdout)?.[1] as string, email, password: GOOD_PASSWORD };
  }
  /** A server on the same database, for checking what a command did, closed afterwards. */
  async function withServer(work: (server: TestServer, adminToken: string) => Promise<void>): Promise<void> {
    const server = await startTestServer({ database });
    try {
      await work(server, (await loginAs(server, admin)).accessToken);
    } finally {
      await server.close();
    }
  }
  async function auditOf(server: TestServer, adminToken: string, targetId: string): Promise<Array<Record<string, unknown>>> {
    const response = await server.request('GET', `/api/v1/admin/audit-log?target_id=${targetId}`, { token: adminToken });
    expect(response.status, response.text).toBe(200);
    return response.body.items;
  }

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    env = cliEnv(database);
    const result = await cli(['create', '--email', admin.email, '--role', 'admin', '--password-stdin'], admin.password);
    expect(result.code, result.stderr).toBe(0);
  });
  afterAll(() => database?.drop());

  it('show finds a user by id, email or username and never prints the hash', async () => {
    const user = await createUser();
    for (const reference of [user.id, user.email.toUpperCase()]) {
      const result = await cli(['show', reference]);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain(user.email);
      expect(result.stdout).toMatch(/role:\s+user/);
      expect(result.stdout).not.toMatch(/argon2|hash/i);
    }
    const json = await cli(['show', user.email, '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ id: user.id, email: user.email, role: 'user', is_suspended: false });

    const missing = await cli(['show', 'nobody@example.com']);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe('error: no user "nobody@example.com": give an id, an email or a username');
  });

  it('list filters and pages like GET /users, as text or JSON', async () => {
    const marker = `zq${Date.now().toString(36)}`;
    const mine = [await createUser('user', `${marker}-a@example.com`), await createUser('guest', `${marker}-b@example.com`)];
    const all = await cli(['list', '--query', marker, '--json']);
    expect(all.code, all.stderr).toBe(0);
    const listed = JSON.parse(all.stdout) as { items: Array<{ id: string }>; total: number };
    expect(listed.total).toBe(2);
    expect(listed.items.map((item) => item.id).sort()).toEqual(mine.map((user) => user.id).sort());

    const guests = JSON.parse((await cli(['list', '--query', marker, '--role', 'guest', '--json'])).stdout) as { items: Array<{ id: string }> };
    expect(guests.items.map((item) => item.id)).toEqual([mine[1]?.id]);

    const text = await cli(['list', '--query', marker]);
    expect(text.code, text.stderr).toBe(0);
    for (const user of mine) expect(text.stdout).toContain(user.email);
    expect(text.stdout).toContain('2 users');

    const bad = await cli(['list', '--status', 'sleeping']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('sleeping');
  });

  it('suspend ends the sessions and blocks logins until unsuspend, with audit entries made by the CLI', async () => {
    const user = await createUser();
    const suspended = await cli(['suspend', user.email, '--reason', 'abuse report 17']);
    expect(suspended.code, suspended.stderr).toBe(0);
    expect(suspended.stdout).toMatch(/is_suspended:\s+true/);
    expect(suspended.stdout).toContain('abuse report 17');

    await withServer(async (server, adminToken) => {
      const login = await server.request('POST', '/api/v1/auth/login', { json: { username: user.email, password: user.password } });
      expectProblem(login, 403, 'account_suspended');
      const entries = await auditOf(server, adminToken, user.id);
      expect(entries).toContainEqual(
        expect.objectContaining({ action: 'user.suspended', actor_id: null, details: expect.objectContaining({ reason: 'abuse report 17', via: 'cli' }) }),
      );
    });

    const lifted = await cli(['unsuspend', user.email]);
    expect(lifted.code, lifted.stderr).toBe(0);
    await withServer(async (server, adminToken) => {
      await loginAs(server, user);
      expect((await auditOf(server, adminToken, user.id)).map((entry) => entry.action)).toContain('user.unsuspended');
    });
  });

  it('suspend --until refuses a time that is not one, or is past', async () => {
    const user = await createUser();
    const bad = await cli(['suspend', user.id, '--until', 'next tuesday']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('is not a date and time');
    const past = await cli(['suspend', user.id, '--until', '2001-01-01T00:00:00Z']);
    expect(past.code).toBe(1);
    expect(past.stderr).toContain('until must be in the future');
  });

  it('set-role changes the role seen over HTTP and refuses to demote the last active admin', async () => {
    const user = await createUser();
    const promoted = await cli(['set-role', user.email, 'admin']);
    expect(promoted.code, promoted.stderr).toBe(0);
    await withServer(async (server, adminToken) => {
      const token = (await loginAs(server, user)).accessToken;
      expect((await server.request('GET', '/api/v1/users', { token })).status).toBe(200);
      expect((await auditOf(server, adminToken, user.id)).map((entry) => entry.action)).toContain('user.role_changed');
    });
    expect((await cli(['set-role', user.email, 'user'])).code).toBe(0);

    // The database holds exactly one admin of its own now (the other test admins are demoted or plain users).
    const only = await cli(['set-role', admin.email, 'user']);
    expect(only.code).toBe(1);
    expect(only.stderr).toContain('admin');
    const still = JSON.parse((await cli(['show', admin.email, '--json'])).stdout) as { role: string };
    expect(still.role).toBe('admin');

    const unknown = await cli(['set-role', user.email, 'owner']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('owner');
  });

  it('reset-password --password-stdin sets a password under the policy and ends every session', async () => {
    const user = await createUser();
    const weak = await cli(['reset-password', user.email, '--password-stdin'], 'password123');
    expect(weak.code).toBe(1);
    expect(weak.stderr).toMatch(/common|password/i);

    const server = await startTestServer({ database });
    const session = await loginAs(server, user);
    await server.close();

    const reset = await cli(['reset-password', user.email, '--password-stdin'], `${NEW_PASSWORD}\n`);
    expect(reset.code, reset.stderr).toBe(0);
    expect(reset.stdout + reset.stderr).not.toContain(NEW_PASSWORD);
    await withServer(async (checker, adminToken) => {
      expectProblem(await checker.request('GET', '/api/v1/auth/me', { token: session.accessToken }), 401, 'session_revoked');
      const old = await checker.request('POST', '/api/v1/auth/login', { json: { username: user.email, password: user.password } });
      expect(old.status).toBe(401);
      await loginAs(checker, { email: user.email, password: NEW_PASSWORD });
      expect((await auditOf(checker, adminToken, user.id)).map((entry) => entry.action)).toContain('user.password_reset');
    });
  });

  it('reset-password --send-email mails a reset link, and says what to do without SMTP', async () => {
    const user = await createUser();
    const noSmtp = await cli(['reset-password', user.email, '--send-email']);
    expect(noSmtp.code).toBe(1);
    expect(noSmtp.stderr).toContain('no SMTP server is configured');

    const smtp = await startSmtpServer();
    try {
      const sent = await runCli(['user', 'reset-password', user.email, '--send-email'], { env: { ...env, SMTP_URL: smtp.url } });
      expect(sent.code, sent.stderr).toBe(0);
      const mail = await smtp.waitFor((received) => received.to.includes(user.email));
      expect(mail.subject).toMatch(/reset/i);
    } finally {
      await smtp.close();
    }

    const none = await cli(['reset-password', user.email]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('--send-email');
  });

  it('delete needs --yes off a terminal, deletes the user, and refuses the last active admin', async () => {
    const user = await createUser();
    const unconfirmed = await cli(['delete', user.email]);
    expect(unconfirmed.code).toBe(1);
    expect(unconfirmed.stderr).toContain('--yes');
    expect((await cli(['show', user.id])).code).toBe(0);

    const deleted = await cli(['delete', user.email, '--yes']);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect((await cli(['show', user.id])).code).toBe(1);
    await withServer(async (server, adminToken) => {
      expect((await server.request('POST', '/api/v1/auth/login', { json: { username: user.email, password: user.password } })).status).toBe(401);
      expect(await auditOf(server, adminToken, user.id)).toContainEqual(
        expect.objectContaining({ action: 'user.deleted', actor_id: null, details: expect.objectContaining({ via: 'cli' }) }),
      );
    });

    const lastAdmin = await cli(['delete', admin.email, '--yes']);
    expect(lastAdmin.code).toBe(1);
    expect((await cli(['show', admin.email])).code).toBe(0);
  });
});
