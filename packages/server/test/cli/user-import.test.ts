import { randomBytes, randomUUID, pbkdf2Sync, scryptSync } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Algorithm, hash as argon2Hash } from '@node-rs/argon2';
import { hash as bcryptHash } from '@node-rs/bcrypt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, runCli } from '../helpers/cli.js';
import { createTestDatabase, describeEachDatabase, type TestDatabase } from '../helpers/databases.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { GOOD_PASSWORD, loginAs, uniqueEmail } from '../helpers/users.js';

/**
 * `gatehouse user import`: users from fastapi-users, Better Auth, Talk2Me- and SecondBrain-style tables and our own
 * export, with their hashes made by the libraries those systems use, log in to Gatehouse with their old passwords
 * and are rehashed to argon2id. Rejects, broken lines, --dry-run, --on-conflict and the audit entry are checked
 * through the CLI (a child process) and a server started on the same database.
 */

// Hashes as the source systems store them.
const bcrypt = (password: string) => bcryptHash(password, { cost: 4 });
/** pwdlib's (fastapi-users ≥ 13) argon2id defaults. */
const pwdlibArgon2 = (password: string) => argon2Hash(password, { algorithm: Algorithm.Argon2id, memoryCost: 65536, timeCost: 3, parallelism: 4 });
/** passlib's pbkdf2_sha256: `$pbkdf2-sha256$rounds$ab64(salt)$ab64(dk)`, adapted base64 = `.` for `+`, no padding. */
function passlibPbkdf2(password: string, rounds = 29000): string {
  const ab64 = (buffer: Buffer) => buffer.toString('base64').replace(/=+$/, '').replace(/\+/g, '.');
  const salt = randomBytes(16);
  return `$pbkdf2-sha256$${rounds}$${ab64(salt)}$${ab64(pbkdf2Sync(password, salt, rounds, 32, 'sha256'))}`;
}
/** Better Auth: `${hex salt}:${hex key}`, scrypt N=16384 r=16 p=1 dkLen=64 over the NFKC password, salt as its hex string. */
function betterAuthScrypt(password: string): string {
  const salt = randomBytes(16).toString('hex');
  const key = scryptSync(password.normalize('NFKC'), salt, 64, { N: 16384, r: 16, p: 1, maxmem: 128 * 16384 * 16 * 2 });
  return `${salt}:${key.toString('hex')}`;
}

const tag = () => randomBytes(4).toString('hex');
const csvLine = (cells: unknown[]) => cells.map((cell) => (cell === null ? '' : `"${String(cell).replace(/"/g, '""')}"`)).join(',');
const figure = (stdout: string, label: string) => Number((new RegExp(`${label}:\\s+([\\d,]+)`).exec(stdout)?.[1] ?? 'NaN').replace(/,/g, ''));

interface FixtureUser {
  readonly login: string;
  readonly password: string;
  readonly role?: string;
  readonly id?: string;
  readonly displayName?: string;
}

interface Fixture {
  readonly name: string;
  readonly content: string;
  readonly args: string[];
  readonly users: FixtureUser[];
  readonly rejected: number;
}

async function fixtures(): Promise<Fixture[]> {
  const t = tag();
  const fa = [
    { id: randomUUID(), email: `fa-admin-${t}@example.com`, password: 'fastapi admin pw', superuser: true, hash: bcrypt },
    { id: randomUUID(), email: `fa-user-${t}@example.com`, password: 'fastapi user pw', superuser: false, hash: pwdlibArgon2 },
  ];
  const fastapi = [
    'id,email,hashed_password,is_active,is_superuser,is_verified',
    ...(await Promise.all(fa.map(async (u) => csvLine([u.id, u.email, await u.hash(u.password), 't', u.superuser ? 't' : 'f', 't'])))),
  ].join('\n');

  const ba = { id: `BA${t}xYzAbCdEfGhIjKlMnOpQrStUv`, email: `ba-${t}@example.com`, password: 'better auth pw ünïcode' };
  const betterAuth = JSON.stringify(
    [
      {
        id: ba.id,
        // Quotes, commas, brackets and a backslash inside a string must not split the JSON array.
        name: 'Better "Ada", [the] {first} \\ one',
        email: ba.email,
        emailVerified: true,
        image: null,
        createdAt: '2024-03-01T10:00:00.000Z',
        updatedAt: '2024-03-02T10:00:00.000Z',
        role: 'admin,user',
        account: [
          { providerId: 'github', accountId: '123', password: null },
          { providerId: 'credential', accountId: ba.id, password: betterAuthScrypt(ba.password) },
        ],
      },
      // Signed in with GitHub only: no password, rejected without --allow-no-password.
      { id: `BAsocial${t}`, name: 'Social', email: `ba-social-${t}@example.com`, emailVerified: true, createdAt: 1709287200000, account: [{ providerId: 'github', accountId: '9' }] },
    ],
    null,
    2,
  );

  const tt = { username: `t2m_${t}`, email: `t2m-${t}@example.com`, password: 'talk to me pw' };
  const talk2me = [
    JSON.stringify({ id: 17, username: tt.username, email: tt.email, password_hash: await bcrypt(tt.password), full_name: 'Talk Two', is_admin: 1, is_active: 1, created_at: '2023-05-06 07:08:09', last_login: null }),
    JSON.stringify({ id: 18, username: `t2m_x_${t}`, email: `t2m-x-${t}@example.com`, password_hash: 'md5:5f4dcc3b5aa765d61d8327deb882cf99', is_admin: 0, is_active: 1 }),
  ].join('\n');

  const sb = { id: randomUUID(), username: `sb_${t}`, email: `sb-${t}@example.com`, password: 'second brain pw' };
  const secondbrain = [
    'id,email,username,hashed_password,display_name,role,disabled,email_verified,created_at',
    csvLine([sb.id, sb.email, sb.username, passlibPbkdf2(sb.password), 'Second Brain', 'user', 'false', 'true', '2022-01-01T00:00:00Z']),
  ].join('\n');

  const gh = { id: randomUUID(), email: `gh-${t}@example.com`, password: 'gatehouse export pw' };
  const gatehouse = `${JSON.stringify({
    id: gh.id,
    email: gh.email,
    username: null,
    display_name: 'Exported',
    role: 'guest',
    is_active: true,
    is_verified: true,
    is_suspended: false,
    created_at: '2025-01-01T00:00:00.000Z',
    last_login_at: null,
    password_hash: await argon2Hash(gh.password, { algorithm: Algorithm.Argon2id, memoryCost: 4096, timeCost: 1, parallelism: 1 }),
  })}\n`;

  return [
    { name: 'fastapi-users.csv', content: fastapi, args: ['--from', 'fastapi-users'], rejected: 0, users: fa.map((u) => ({ login: u.email, password: u.password, role: u.superuser ? 'admin' : 'user', id: u.id })) },
    { name: 'better-auth.json', content: betterAuth, args: ['--from', 'better-auth'], rejected: 1, users: [{ login: ba.email, password: ba.password, role: 'admin', displayName: 'Better "Ada", [the] {first} \\ one' }] },
    { name: 'talk2me.ndjson', content: talk2me, args: ['--from', 'talk2me'], rejected: 1, users: [{ login: tt.username, password: tt.password, role: 'admin' }] },
    { name: 'secondbrain.csv', content: secondbrain, args: ['--from', 'secondbrain'], rejected: 0, users: [{ login: sb.email, password: sb.password, role: 'user', id: sb.id }] },
    { name: 'gatehouse.ndjson', content: gatehouse, args: ['--from', 'gatehouse'], rejected: 0, users: [{ login: gh.email, password: gh.password, role: 'guest', id: gh.id }] },
  ];
}

describe('gatehouse user import --help', () => {
  it('explains the command', async () => {
    const result = await runCli(['user', 'import', '--help'], { env: { ENVIRONMENT: 'test' } });
    expect(result.code, result.stderr).toBe(0);
    for (const text of ['<file>', '--from', '--map', '--on-conflict', '--dry-run', '--rejects', '--allow-no-password', 'Examples:']) expect(result.stdout).toContain(text);
  });
});

describeEachDatabase('gatehouse user import', (dialect) => {
  let database: TestDatabase;
  let env: Record<string, string>;
  const admin = { email: uniqueEmail('import-admin'), password: GOOD_PASSWORD };

  const write = (name: string, content: string) => {
    const path = join(database.dataDir, `${tag()}-${name}`);
    writeFileSync(path, content);
    return path;
  };
  const importFile = (path: string, ...args: string[]) => runCli(['user', 'import', path, ...args], { env });
  async function withServer(work: (server: TestServer, adminToken: string) => Promise<void>): Promise<void> {
    const server = await startTestServer({ database, env: { RATE_LIMIT_ENABLED: 'false' } });
    try {
      await work(server, (await loginAs(server, admin)).accessToken);
    } finally {
      await server.close();
    }
  }
  const rejectsOf = (path: string) =>
    readFileSync(`${path}.rejects.ndjson`, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { line: number; reason: string; row: Record<string, unknown> | null });

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    env = cliEnv(database);
    const result = await runCli(['user', 'create', '--email', admin.email, '--role', 'admin', '--password-stdin'], { env, input: admin.password });
    expect(result.code, result.stderr).toBe(0);
  });
  afterAll(() => database?.drop());

  it('imports each preset; users log in with their old passwords and are rehashed to argon2id', async () => {
    const all = await fixtures();
    for (const fixture of all) {
      const result = await importFile(write(fixture.name, fixture.content), ...fixture.args);
      expect(result.code, `${fixture.name}: ${result.stderr}`).toBe(0);
      expect(figure(result.stdout, 'imported'), fixture.name).toBe(fixture.users.length);
      expect(figure(result.stdout, 'rejected'), fixture.name).toBe(fixture.rejected);
      expect(result.stdout + result.stderr).not.toMatch(/\$2b\$|\$argon2|pbkdf2-sha256\$/);
    }
    await withServer(async (server) => {
      for (const user of all.flatMap((fixture) => fixture.users)) {
        const before = await server.ctx.repos.users.credentialsByEmail(user.login) ?? await server.ctx.repos.users.credentialsByUsername(user.login);
        expect(before?.passwordHash, user.login).not.toMatch(/^\$argon2id\$v=19\$m=19456/);
        const wrong = await server.request('POST', '/api/v1/auth/login', { json: { username: user.login, password: `${user.password}!` } });
        expect(wrong.status, user.login).toBe(401);
        const login = await server.request('POST', '/api/v1/auth/login', { json: { username: user.login, password: user.password } });
        expect(login.status, `${user.login}: ${login.text}`).toBe(200);
        const me = await server.request('GET', '/api/v1/users/me', { token: login.body.access_token });
        expect(me.body.role, user.login).toBe(user.role);
        if (user.id) expect(me.body.id).toBe(user.id);
        if (user.displayName) expect(me.body.display_name).toBe(user.displayName);
        const after = await server.ctx.repos.users.credentialsById(me.body.id);
        expect(after?.passwordHash).toMatch(/^\$argon2id\$/);
        expect(after?.passwordHash).not.toBe(before?.passwordHash);
        // And the new hash works too.
        expect((await server.request('POST', '/api/v1/auth/login', { json: { username: user.login, password: user.password } })).status).toBe(200);
      }
    });
  });

  it('writes malformed and duplicate rows to the rejects file with their line numbers, without hashes', async () => {
    const t = tag();
    const hash = await bcrypt('some password');
    const path = write(
      'mixed.ndjson',
      [
        JSON.stringify({ email: `ok-${t}@example.com`, username: `ok_${t}`, password_hash: hash }),
        JSON.stringify({ display_name: 'nobody', password_hash: hash }),
        JSON.stringify({ email: 'not an email', password_hash: hash }),
        JSON.stringify({ email: `md5-${t}@example.com`, password_hash: '5f4dcc3b5aa765d61d8327deb882cf99' }),
        '',
        JSON.stringify({ email: `OK-${t}@Example.com`, password_hash: hash }),
        '[1, 2]',
        JSON.stringify({ email: `role-${t}@example.com`, role: 'wizard', password_hash: hash }),
        JSON.stringify({ email: `nopw-${t}@example.com` }),
      ].join('\n'),
    );
    const result = await importFile(path);
    expect(result.code, result.stderr).toBe(0);
    expect(figure(result.stdout, 'imported')).toBe(1);
    expect(figure(result.stdout, 'rejected')).toBe(7);
    const rejects = rejectsOf(path);
    expect(rejects.map((reject) => reject.line)).toEqual([2, 3, 4, 6, 7, 8, 9]);
    expect(rejects[0]?.reason).toBe('no email and no username');
    expect(rejects[1]?.reason).toMatch(/^invalid email/);
    expect(rejects[2]?.reason).toBe('unknown password hash format');
    expect(rejects[3]?.reason).toBe('duplicate of line 1 (same email)');
    expect(rejects[4]?.reason).toBe('not a JSON object');
    expect(rejects[5]?.reason).toMatch(/unknown role/);
    expect(rejects[6]?.reason).toMatch(/no password hash/);
    expect(readFileSync(`${path}.rejects.ndjson`, 'utf8')).not.toContain(hash);

    // A duplicate in a later batch is caught against the row this import wrote, not skipped as "already there".
    const later = write('later.ndjson', [JSON.stringify({ email: `b1-${t}@example.com`, password_hash: hash }), JSON.stringify({ email: `B1-${t}@example.com`, password_hash: hash })].join('\n'));
    const batched = await importFile(later, '--batch-size', '1');
    expect(figure(batched.stdout, 'rejected')).toBe(1);
    expect(rejectsOf(later)[0]).toMatchObject({ line: 2, reason: 'duplicate of an earlier row of this file (same email)' });

    // --allow-no-password imports the user without a password instead.
    const allowed = await importFile(write('nopw.ndjson', JSON.stringify({ email: `nopw-${t}@example.com` })), '--allow-no-password');
    expect(figure(allowed.stdout, 'imported')).toBe(1);
  });

  it.each([
    ['ndjson', (rows: string[]) => [...rows.slice(0, 2), '{"email": "broken@example.com", "password_hash": ', ...rows.slice(2)].join('\n'), 3],
    ['json', (rows: string[]) => `[\n${[...rows.slice(0, 2), '{"email": "broken@example.com" "x": 1}', ...rows.slice(2)].join(',\n')}\n]`, 4],
  ] as const)('a broken line mid-way in %s stops there, keeps the rows before it and names the line', async (format, build, brokenLine) => {
    const t = tag();
    const hash = await bcrypt('pw');
    const rows = [1, 2, 3, 4].map((n) => JSON.stringify({ email: `broken-${format}-${n}-${t}@example.com`, password_hash: hash }));
    const path = write(`broken.${format}`, build(rows));
    const result = await importFile(path);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`stopped at line ${brokenLine}`);
    expect(figure(result.stdout, 'imported')).toBe(2);
    expect(rejectsOf(path)).toEqual([expect.objectContaining({ line: brokenLine, row: null })]);
    await withServer(async (server) => {
      expect(await server.ctx.repos.users.findByEmail(`broken-${format}-2-${t}@example.com`)).toBeDefined();
      expect(await server.ctx.repos.users.findByEmail(`broken-${format}-3-${t}@example.com`)).toBeUndefined();
    });
  });

  it('a CSV with an unclosed quote stops at that line', async () => {
    const t = tag();
    const hash = await bcrypt('pw');
    const path = write('broken.csv', ['email,password_hash', csvLine([`csv1-${t}@example.com`, hash]), `"csv2-${t}@example.com,${hash}`, csvLine([`csv3-${t}@example.com`, hash])].join('\n'));
    const result = await importFile(path);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/stopped at line \d+/);
    expect(figure(result.stdout, 'imported')).toBe(1);
  });

  it('--dry-run validates and reports but writes nothing (no users, no audit entry)', async () => {
    const t = tag();
    const hash = await bcrypt('pw');
    const path = write('dry.csv', ['email,username,password_hash', csvLine([`dry1-${t}@example.com`, `dry1_${t}`, hash]), csvLine([`dry2-${t}@example.com`, null, hash]), csvLine(['bad', null, hash])].join('\n'));
    const dry = await importFile(path, '--dry-run');
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('Dry run');
    expect(figure(dry.stdout, 'new')).toBe(2);
    expect(figure(dry.stdout, 'rejected')).toBe(1);
    await withServer(async (server, token) => {
      expect(await server.ctx.repos.users.findByEmail(`dry1-${t}@example.com`)).toBeUndefined();
      const audit = await server.request('GET', '/api/v1/admin/audit-log?action=user.import&limit=100', { token });
      expect(audit.body.items.some((item: { details?: { file?: string } }) => item.details?.file?.endsWith('dry.csv'))).toBe(false);
    });
    const real = await importFile(path);
    expect(figure(real.stdout, 'imported')).toBe(2);
  });

  it('--on-conflict skip is idempotent, update overwrites, fail stops at the line; one audit entry per import', async () => {
    const t = tag();
    const hash = await bcrypt('old password');
    const users = [1, 2, 3].map((n) => ({ id: randomUUID(), email: `conf${n}-${t}@example.com`, username: `conf${n}_${t}`, display_name: `Before ${n}`, password_hash: hash }));
    const path = write('conflict.ndjson', users.map((user) => JSON.stringify(user)).join('\n'));
    const first = await importFile(path);
    expect(figure(first.stdout, 'imported')).toBe(3);
    const again = await importFile(path);
    expect(again.code, again.stderr).toBe(0);
    expect(figure(again.stdout, 'imported')).toBe(0);
    expect(figure(again.stdout, 'skipped')).toBe(3);
    expect(existsSync(`${path}.rejects.ndjson`)).toBe(false);

    // Matched case-insensitively by username, and by id.
    const changed = write('changed.ndjson', [
      JSON.stringify({ ...users[0], email: undefined, username: users[0]?.username.toUpperCase(), display_name: 'After 1', role: 'guest' }),
      JSON.stringify({ ...users[1], email: `conf2-new-${t}@example.com`, username: undefined, display_name: 'After 2' }),
    ].join('\n'));
    const update = await importFile(changed, '--on-conflict', 'update');
    expect(figure(update.stdout, 'updated')).toBe(2);

    const fail = await importFile(write('fail.ndjson', [JSON.stringify({ email: `conf-new-${t}@example.com`, password_hash: hash }), JSON.stringify(users[2])].join('\n')), '--on-conflict', 'fail');
    expect(fail.code).toBe(1);
    expect(fail.stderr).toContain('stopped at line 2');
    expect(figure(fail.stdout, 'imported')).toBe(1);

    await withServer(async (server, token) => {
      const one = await server.ctx.repos.users.findById(users[0]?.id as string);
      expect(one).toMatchObject({ displayName: 'After 1', role: 'guest', username: users[0]?.username.toUpperCase(), email: users[0]?.email });
      expect((await server.ctx.repos.users.findById(users[1]?.id as string))?.email).toBe(`conf2-new-${t}@example.com`);
      const audit = await server.request('GET', '/api/v1/admin/audit-log?action=user.import&limit=100', { token });
      expect(audit.status, audit.text).toBe(200);
      const mine = audit.body.items.filter((item: { details?: { file?: string } }) => /-(conflict|changed|fail)\.ndjson$/.test(item.details?.file ?? ''));
      expect(mine).toHaveLength(4);
      expect(mine.map((item: { details: Record<string, unknown> }) => item.details).reverse()).toEqual([
        expect.objectContaining({ via: 'cli', imported: 3, skipped: 0, outcome: 'completed' }),
        expect.objectContaining({ imported: 0, skipped: 3, on_conflict: 'skip' }),
        expect.objectContaining({ updated: 2, on_conflict: 'update' }),
        expect.objectContaining({ imported: 1, outcome: 'stopped', stopped_at_line: 2 }),
      ]);
      expect(mine[0]).toMatchObject({ action: 'user.import', actor_id: null });
    });
  });

  it('--map names the columns of any other layout; bad maps and unknown formats are one-line errors', async () => {
    const t = tag();
    const password = 'mapped password';
    const content = ['user_email,login,pw,superuser', csvLine([`map-${t}@example.com`, `map_${t}`, await bcrypt(password), 'yes'])].join('\n');
    const path = write('mapped.txt', content);
    const unknownFormat = await importFile(path);
    expect(unknownFormat.code).toBe(1);
    expect(unknownFormat.stderr).toContain('add --format csv, json or ndjson');
    const badMap = await importFile(path, '--format', 'csv', '--map', 'mail=user_email');
    expect(badMap.code).toBe(1);
    expect(badMap.stderr).toContain('unknown field "mail"');
    const result = await importFile(path, '--format', 'csv', '--map', 'email=user_email,username=login,password_hash=pw,is_admin=superuser');
    expect(result.code, result.stderr).toBe(0);
    expect(figure(result.stdout, 'imported')).toBe(1);
    await withServer(async (server) => {
      const login = await server.request('POST', '/api/v1/auth/login', { json: { username: `map_${t}`, password } });
      expect(login.status, login.text).toBe(200);
      expect((await server.request('GET', '/api/v1/users/me', { token: login.body.access_token })).body.role).toBe('admin');
    });
  });

  it('--on-conflict update never takes an existing admin\'s rights away', async () => {
    const path = write('demote.ndjson', JSON.stringify({ email: admin.email.toUpperCase(), role: 'user', password_hash: await bcrypt('x') }));
    const result = await importFile(path, '--on-conflict', 'update');
    expect(result.code, result.stderr).toBe(0);
    expect(figure(result.stdout, 'updated')).toBe(0);
    expect(rejectsOf(path)[0]?.reason).toMatch(/would demote or disable the existing admin/);
    await withServer(async (server) => {
      expect((await server.ctx.repos.users.findByEmail(admin.email))?.role).toBe('admin');
    });
  });

  it('keeps the search index and the user counts right', async () => {
    const t = tag();
    const hash = await bcrypt('pw');
    await withServer(async (server, token) => {
      const before = (await server.request('GET', '/api/v1/admin/stats', { token })).body.users;
      const path = write('search.ndjson', [1, 2, 3].map((n) => JSON.stringify({ email: `srch${n}-${t}@example.com`, display_name: `Zebulon ${t}`, is_verified: true, role: n === 1 ? 'admin' : 'user', password_hash: hash })).join('\n'));
      expect(figure((await importFile(path)).stdout, 'imported')).toBe(3);
      const found = await server.request('GET', `/api/v1/users?q=${encodeURIComponent(`zebulon ${t}`)}`, { token });
      expect(found.status, found.text).toBe(200);
      expect(found.body.total).toBe(3);
      const after = (await server.request('GET', '/api/v1/admin/stats', { token })).body.users;
      expect(after.total - before.total).toBe(3);
      expect(after.admins - before.admins).toBe(1);
      expect(after.verified - before.verified).toBe(3);
    });
  });

  if (dialect === 'sqlite') {
    it('imports 200,000 generated users with a flat peak RSS (< 300 MB)', { timeout: 120_000 }, async () => {
      const hash = await bcrypt('generated');
      const t = tag();
      const lines: string[] = [];
      for (let n = 0; n < 200_000; n++) lines.push(JSON.stringify({ email: `gen${n}-${t}@example.com`, username: `gen${n}_${t}`, created_at: 1700000000000 + n, password_hash: hash }));
      const path = write('generated.ndjson', `${lines.join('\n')}\n`);
      lines.length = 0;
      const result = await importFile(path);
      expect(result.code, result.stderr).toBe(0);
      expect(figure(result.stdout, 'imported')).toBe(200_000);
      expect(figure(result.stdout, 'peak RSS')).toBeLessThan(300);
    });
  }
});
