import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, runCli } from '../helpers/cli.js';
import { createTestDatabase, describeEachDatabase, type TestDatabase } from '../helpers/databases.js';
import { startTestServer } from '../helpers/test-server.js';
import { GOOD_PASSWORD, loginAs, uniqueEmail } from '../helpers/users.js';

describe('gatehouse --help', () => {
  const env = { ENVIRONMENT: 'test' };

  it('describes the program and lists every command', async () => {
    const result = await runCli(['--help'], { env });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: gatehouse');
    for (const command of ['serve', 'migrate', 'user', 'keys']) expect(result.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    expect(result.stdout).toContain('Examples:');
  });

  it.each([
    [['serve'], ['npm start', 'SIGTERM']],
    [['migrate'], ['migrations', 'Examples:']],
    [['user'], ['create']],
    [
      ['user', 'create'],
      [
        '--email <email>',
        '--username <name>',
        '--display-name <name>',
        '--role <role>',
        '"admin"',
        '--verified',
        '--password-stdin',
        '--interactive',
        'Examples:',
      ],
    ],
    [['keys'], ['rotate']],
    [
      ['keys', 'rotate'],
      ['signing key', 'expire', 'Example:'],
    ],
  ])('gatehouse %j --help explains the command', async (command, mentions) => {
    const result = await runCli([...command, '--help'], { env });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`Usage: gatehouse ${command.join(' ')}`);
    for (const text of mentions) expect(result.stdout).toContain(text);
  });

  it('never offers a --password argument', async () => {
    const result = await runCli(['user', 'create', '--help'], { env });
    expect(result.stdout).not.toMatch(/--password\s/);
  });

  it('prints the version', async () => {
    const result = await runCli(['--version'], { env });
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describeEachDatabase('gatehouse CLI', (dialect) => {
  let database: TestDatabase;
  let env: Record<string, string>;
  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    env = cliEnv(database);
  });
  afterAll(() => database?.drop());

  const startServer = () => startTestServer({ database });

  it('migrate applies the migrations, then says the database is up to date', async () => {
    const fresh = await createTestDatabase(dialect);
    try {
      const freshEnv = cliEnv(fresh);
      const first = await runCli(['migrate'], { env: freshEnv });
      expect(first.code, first.stderr).toBe(0);
      expect(first.stdout).toMatch(/Applied \d+ migrations?:/);
      const second = await runCli(['migrate'], { env: freshEnv });
      expect(second.code, second.stderr).toBe(0);
      expect(second.stdout).toContain('Database is up to date');
      expect(second.stdout).not.toContain('Applied');
    } finally {
      await fresh.drop();
    }
  });

  it('user create --password-stdin creates a user with that role, who logs in over HTTP', async () => {
    const email = uniqueEmail('admin');
    const username = `ada_${randomBytes(3).toString('hex')}`;
    const result = await runCli(
      [
        'user',
        'create',
        '--email',
        email,
        '--username',
        username,
        '--display-name',
        'Ada Lovelace',
        '--role',
        'admin',
        '--verified',
        '--password-stdin',
      ],
      { env, input: `${GOOD_PASSWORD}\n` },
    );
    expect(result.code, result.stderr).toBe(0);
    const id = /id:\s+(\S+)/.exec(result.stdout)?.[1];
    expect(result.stdout).toContain(email);
    expect(result.stdout).toContain(username);
    expect(result.stdout).toMatch(/role:\s+admin/);
    expect(result.stdout + result.stderr).not.toContain(GOOD_PASSWORD);

    const server = await startServer();
    try {
      // Only the one trailing newline was stripped: the password is exactly GOOD_PASSWORD.
      const session = await loginAs(server, { email, password: GOOD_PASSWORD });
      const me = await server.request('GET', '/api/v1/auth/me', { token: session.accessToken });
      expect(me.status).toBe(200);
      expect(me.body).toMatchObject({ id, email, username, display_name: 'Ada Lovelace', role: 'admin', is_verified: true });
      const audit = await server.ctx.repos.audit.listInvolving(id ?? '', 10);
      expect(audit.map((event) => event.action)).toContain('user.created');
    } finally {
      await server.close();
    }
  });

  it('user create defaults to the user role and keeps whitespace inside the password', async () => {
    const email = uniqueEmail();
    const password = ' spaced  out passphrase ';
    const result = await runCli(['user', 'create', '--email', email, '--password-stdin'], { env, input: `${password}\r\n` });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/role:\s+user/);

    const server = await startServer();
    try {
      await loginAs(server, { email, password });
    } finally {
      await server.close();
    }
  });

  it('refuses a common password with the policy reason', async () => {
    const result = await runCli(['user', 'create', '--email', uniqueEmail(), '--password-stdin'], { env, input: 'password123\n' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: Password is too common/m);
    expect(result.stderr).not.toContain('    at '); // no stack trace
    expect(result.stdout + result.stderr).not.toContain('password123');
  });

  it('refuses a short password with the policy reason', async () => {
    const result = await runCli(['user', 'create', '--email', uniqueEmail(), '--password-stdin'], { env, input: 'Xq9!z' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('error: Password must be at least 8 characters long');
    expect(result.stdout + result.stderr).not.toContain('Xq9!z');
  });

  it('refuses an invalid email', async () => {
    const result = await runCli(['user', 'create', '--email', 'not-an-email', '--password-stdin'], { env, input: GOOD_PASSWORD });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('error: Enter a valid email address');
  });

  it('refuses a duplicate email as taken, whatever its case', async () => {
    const email = uniqueEmail('dup');
    const first = await runCli(['user', 'create', '--email', email, '--password-stdin'], { env, input: GOOD_PASSWORD });
    expect(first.code, first.stderr).toBe(0);
    const second = await runCli(['user', 'create', '--email', email.toUpperCase(), '--password-stdin'], { env, input: GOOD_PASSWORD });
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/^error: .*email.* is already taken/m);
    expect(second.stdout).toBe('');
  });

  it('refuses a duplicate username as taken', async () => {
    const username = `dup_${randomBytes(3).toString('hex')}`;
    const first = await runCli(['user', 'create', '--email', uniqueEmail(), '--username', username, '--password-stdin'], {
      env,
      input: GOOD_PASSWORD,
    });
    expect(first.code, first.stderr).toBe(0);
    const second = await runCli(['user', 'create', '--email', uniqueEmail(), '--username', username, '--password-stdin'], {
      env,
      input: GOOD_PASSWORD,
    });
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`error: the username "${username}" is already taken`);
  });

  it('asks for a password source when none is given', async () => {
    const result = await runCli(['user', 'create', '--email', uniqueEmail()], { env });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('--password-stdin');
    expect(result.stderr).toContain('--interactive');
  });

  it('refuses a password given as an argument, without echoing it', async () => {
    const result = await runCli(['user', 'create', '--email', uniqueEmail(), '--password', 'Tr0ub4dor&3-horse'], { env });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('--password is refused');
    expect(result.stdout + result.stderr).not.toContain('Tr0ub4dor');
  });

  it('refuses both password sources at once', async () => {
    const result = await runCli(['user', 'create', '--email', uniqueEmail(), '--password-stdin', '--interactive'], { env, input: GOOD_PASSWORD });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('cannot be used with');
  });

  it('--interactive without a terminal says to use --password-stdin', async () => {
    const result = await runCli(['user', 'create', '--email', uniqueEmail(), '--interactive'], {
      env,
      input: `${GOOD_PASSWORD}\n${GOOD_PASSWORD}\n`,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('error: --interactive needs a terminal');
    expect(result.stderr).toContain('--password-stdin');
  });

  it('refuses an empty password on stdin', async () => {
    const result = await runCli(['user', 'create', '--email', uniqueEmail(), '--password-stdin'], { env, input: '\n' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('empty password');
  });

  it('refuses an unknown role', async () => {
    const result = await runCli(['user', 'create', '--email', uniqueEmail(), '--role', 'root', '--password-stdin'], { env, input: GOOD_PASSWORD });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Allowed choices are admin, user, guest');
  });

  it('keys rotate adds a signing key and tokens issued before it stay valid', async () => {
    const email = uniqueEmail('rotate');
    const created = await runCli(['user', 'create', '--email', email, '--password-stdin'], { env, input: GOOD_PASSWORD });
    expect(created.code, created.stderr).toBe(0);
    const before = await startServer();
    const session = await loginAs(before, { email, password: GOOD_PASSWORD }).finally(() => before.close());

    const rotated = await runCli(['keys', 'rotate'], { env });
    expect(rotated.code, rotated.stderr).toBe(0);
    const kid = /New signing key: (\S+)/.exec(rotated.stdout)?.[1];
    expect(kid).toBeDefined();
    expect(rotated.stdout).toContain('Existing tokens stay valid');

    const after = await startServer();
    try {
      const jwks = await after.request('GET', '/.well-known/jwks.json');
      expect(jwks.status).toBe(200);
      expect(jwks.body.keys).toHaveLength(2);
      expect(jwks.body.keys.map((key: { kid: string }) => key.kid)).toContain(kid);
      const me = await after.request('GET', '/api/v1/auth/me', { token: session.accessToken });
      expect(me.status, me.text).toBe(200);
      expect(me.body.email).toBe(email);
      // New logins are signed with the new key.
      const fresh = await loginAs(after, { email, password: GOOD_PASSWORD });
      const header = JSON.parse(Buffer.from(fresh.accessToken.split('.')[0] ?? '', 'base64url').toString('utf8')) as { kid: string };
      expect(header.kid).toBe(kid);
    } finally {
      await after.close();
    }
  });
});

describe('gatehouse configuration errors', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
  });
  afterAll(() => database?.drop());

  it.each([{ args: ['migrate'] }, { args: ['keys', 'rotate'] }, { args: ['user', 'create', '--email', 'ada@example.com', '--password-stdin'] }])(
    'gatehouse $args names the bad variable in one line, without a stack trace',
    async ({ args }) => {
      const env = { ...cliEnv(database), ENVIRONMENT: 'production', AUTH_SECRET_KEY: 'too-short' };
      const result = await runCli(args, { env, input: GOOD_PASSWORD });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^Configuration error: AUTH_SECRET_KEY must be at least 32 characters/);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stdout).toBe('');
    },
  );

  it('serve reports a bad setting the same way', async () => {
    const env = { ...cliEnv(database), DATABASE_URL: 'mysql://localhost/gatehouse' };
    const result = await runCli(['serve'], { env });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^Configuration error: DATABASE_URL must start with sqlite: or postgres:\/\//);
  });
});
