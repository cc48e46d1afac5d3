import { randomUUID } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, runCli } from '../helpers/cli.js';
import { createTestDatabase, describeEachDatabase, type TestDatabase } from '../helpers/databases.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { GOOD_PASSWORD, loginAs, uniqueEmail } from '../helpers/users.js';

/**
 * `gatehouse user export` writes the Gatehouse export record (the input of `user import --from gatehouse`) in three
 * formats that parse back to the same users, leaves password hashes out unless asked, streams a large directory in
 * little memory and leaves a `user.export` entry in the audit log. A server on the same database gives the
 * expected users (the admin API) and the stored hashes.
 */

const RECORD_FIELDS = ['created_at', 'display_name', 'email', 'id', 'is_active', 'is_suspended', 'is_verified', 'last_login_at', 'role', 'username'];
type ExportRecord = Record<string, unknown>;

describe('gatehouse user export --help', () => {
  it('explains the formats, the filters, the hash flag and gives examples', async () => {
    const result = await runCli(['user', 'export', '--help'], { env: { ENVIRONMENT: 'test' } });
    expect(result.code, result.stderr).toBe(0);
    for (const text of ['Usage: gatehouse user export', '--format', 'ndjson', 'csv', '--output', '--role', '--status', '--include-password-hashes', 'user.export', 'Examples:']) {
      expect(result.stdout).toContain(text);
    }
  });
});

describeEachDatabase('gatehouse user export', (dialect) => {
  let database: TestDatabase;
  let server: TestServer;
  let env: Record<string, string>;
  let adminToken: string;
  const admin = { email: uniqueEmail('export-admin'), password: GOOD_PASSWORD };
  const people = {
    unicode: uniqueEmail('zoe'),
    bare: uniqueEmail('bare'),
    suspended: uniqueEmail('suspended'),
  };

  const cli = (args: string[], input?: string) => runCli(['user', ...args], { env, ...(input !== undefined && { input }) });
  const exportCli = (args: string[]) => cli(['export', ...args]);
  async function create(args: string[]): Promise<void> {
    const result = await cli(['create', ...args, '--password-stdin'], GOOD_PASSWORD);
    expect(result.code, result.stderr).toBe(0);
  }
  /** Every user as the admin API shows them, reduced to the export record's fields. */
  async function expectedUsers(query = ''): Promise<ExportRecord[]> {
    const response = await server.request('GET', `/api/v1/users?limit=100&sort=email${query}`, { token: adminToken });
    expect(response.status, response.text).toBe(200);
    return (response.body.items as ExportRecord[]).map((user) => Object.fromEntries(RECORD_FIELDS.map((field) => [field, user[field]]))).sort(byId);
  }
  const byId = (a: ExportRecord, b: ExportRecord) => String(a.id).localeCompare(String(b.id));
  const ndjsonLines = (text: string) => text.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as ExportRecord);
  async function storedHash(id: unknown): Promise<string> {
    const row = await server.database.db.selectFrom('users').select('password_hash').where('id', '=', String(id)).executeTakeFirstOrThrow();
    return row.password_hash;
  }
  async function exportAudit(): Promise<Array<Record<string, unknown>>> {
    const response = await server.request('GET', '/api/v1/admin/audit-log?action=user.export&limit=100', { token: adminToken });
    expect(response.status, response.text).toBe(200);
    return response.body.items;
  }

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    env = cliEnv(database);
    await create(['--email', admin.email, '--role', 'admin']);
    await create(['--email', people.unicode, '--username', 'zoe.unicode', '--display-name', 'Zoë 🦊 Ünïcødé "quoted", with a comma', '--role', 'guest', '--verified']);
    await create(['--email', people.bare]);
    await create(['--email', people.suspended, '--display-name', '=HYPERLINK("x")']);
    expect((await cli(['suspend', people.suspended, '--reason', 'export test'])).code).toBe(0);
    server = await startTestServer({ database, env: { RATE_LIMIT_ENABLED: 'false' } });
    adminToken = (await loginAs(server, admin)).accessToken; // so that one user has a last_login_at
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await database?.drop();
  });

  it('NDJSON (the default) parses back to the same users, nulls and unicode included, with no hash', async () => {
    const result = await exportCli([]);
    expect(result.code, result.stderr).toBe(0);
    const records = ndjsonLines(result.stdout);
    for (const record of records) expect(Object.keys(record).sort()).toEqual(RECORD_FIELDS);
    expect(records.sort(byId)).toEqual(await expectedUsers());
    expect(records.find((record) => record.email === people.bare)).toMatchObject({ username: null, display_name: null, last_login_at: null });
    expect(records.find((record) => record.email === people.unicode)).toMatchObject({ username: 'zoe.unicode', role: 'guest', is_verified: true });
    expect(records.find((record) => record.email === people.suspended)).toMatchObject({ is_suspended: true });
    expect(records.find((record) => record.email === admin.email)?.last_login_at).toEqual(expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/));
    expect(result.stdout).not.toContain('password_hash');
    expect(result.stdout).not.toContain('$argon2');
    expect(result.stderr).not.toContain('$argon2');
    expect(result.stderr).toMatch(/^exported 4 users \(ndjson, without password hashes\) in [\d.]+ s: \d+ rows\/s, peak memory \d+ MB$/m);
  });

  it('JSON is one array of the same records', async () => {
    const result = await exportCli(['--format', 'json']);
    expect(result.code, result.stderr).toBe(0);
    const records = JSON.parse(result.stdout) as ExportRecord[];
    expect(records.sort(byId)).toEqual(await expectedUsers());
  });

  it('CSV has the record as columns, true/false booleans and empty cells for null, and parses back', async () => {
    const result = await exportCli(['--format', 'csv']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.split('\n')[0]).toBe('id,email,username,display_name,role,is_active,is_verified,is_suspended,created_at,last_login_at');
    const rows = parse(result.stdout, { columns: true }) as Array<Record<string, string>>;
    const records = rows.map((row) =>
      Object.fromEntries(Object.entries(row).map(([key, value]) => [key, value === '' ? null : value === 'true' ? true : value === 'false' ? false : value])),
    );
    expect(records.sort(byId)).toEqual(await expectedUsers());
  });

  it('an empty selection is still a valid document in every format', async () => {
    const none = ['--role', 'admin', '--status', 'inactive'];
    expect((await exportCli(none)).stdout).toBe('');
    expect(JSON.parse((await exportCli([...none, '--format', 'json'])).stdout)).toEqual([]);
    expect((await exportCli([...none, '--format', 'csv'])).stdout.trim()).toBe('id,email,username,display_name,role,is_active,is_verified,is_suspended,created_at,last_login_at');
  });

  it('--include-password-hashes adds the stored hash, warns on stderr and writes a 0600 file', async () => {
    const file = join(database.dataDir, 'with-hashes.ndjson');
    writeFileSync(file, 'an older export, world-readable\n', { mode: 0o644 });
    const result = await exportCli(['--include-password-hashes', '--output', file]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`warning: ${file} holds password hashes`);
    expect(result.stderr).toContain(`exported 4 users to ${file} (ndjson, with password hashes)`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const records = ndjsonLines(readFileSync(file, 'utf8'));
    expect(records).toHaveLength(4);
    for (const record of records) {
      expect(record.password_hash).toMatch(/^\$argon2id\$/);
      expect(record.password_hash).toBe(await storedHash(record.id));
    }

    const csv = await exportCli(['--include-password-hashes', '--format', 'csv']);
    const rows = parse(csv.stdout, { columns: true }) as Array<Record<string, string>>;
    for (const row of rows) expect(row.password_hash).toBe(await storedHash(row.id));
    expect(csv.stderr).toContain('warning: the output holds password hashes');
  });

  it('a file written without hashes is 0600 too and holds none', async () => {
    const file = join(database.dataDir, 'plain.csv');
    const result = await exportCli(['--format', 'csv', '-o', file]);
    expect(result.code, result.stderr).toBe(0);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).not.toMatch(/password_hash|\$argon2/);
  });

  it('--role and --status select as the user directory does', async () => {
    const guests = ndjsonLines((await exportCli(['--role', 'guest'])).stdout);
    expect(guests.map((record) => record.email)).toEqual([people.unicode]);
    const suspended = ndjsonLines((await exportCli(['--status', 'suspended'])).stdout);
    expect(suspended.map((record) => record.email)).toEqual([people.suspended]);
    const active = ndjsonLines((await exportCli(['--status', 'active', '--format', 'ndjson'])).stdout).sort(byId);
    expect(active).toEqual(await expectedUsers('&status=active'));
    expect(active.map((record) => record.email)).not.toContain(people.suspended);
    const unverifiedUsers = ndjsonLines((await exportCli(['--status', 'unverified', '--role', 'user'])).stdout).sort(byId);
    expect(unverifiedUsers).toEqual(await expectedUsers('&status=unverified&role=user'));
  });

  it('each export is audited once, as the CLI, with its count, format and whether hashes were in it', async () => {
    const before = (await exportAudit()).length;
    expect((await exportCli(['--format', 'csv', '--role', 'guest', '--include-password-hashes'])).code).toBe(0);
    const entries = await exportAudit();
    expect(entries).toHaveLength(before + 1);
    expect(entries[0]).toMatchObject({
      action: 'user.export',
      actor_id: null,
      target_id: null,
      details: { count: 1, format: 'csv', password_hashes: true, complete: true, role: 'guest', via: 'cli' },
    });
    expect((await exportCli([])).code).toBe(0);
    expect((await exportAudit())[0]).toMatchObject({ details: { count: 4, format: 'ndjson', password_hashes: false, complete: true } });
  });

  it('refuses bad flags with one clear line and writes nothing', async () => {
    const before = (await exportAudit()).length;
    const cases: Array<[string[], string]> = [
      [['--format', 'xml'], "argument 'xml' is invalid. Allowed choices are ndjson, json, csv"],
      [['--role', 'root'], "argument 'root' is invalid. Allowed choices are admin, user, guest"],
      [['--status', 'locked'], "argument 'locked' is invalid. Allowed choices are active, suspended, inactive, unverified"],
      [['--output', join(database.dataDir, 'missing', 'x.ndjson')], `error: --output: the directory ${join(database.dataDir, 'missing')} does not exist`],
      [['--output', database.dataDir], `error: --output: ${database.dataDir} is a directory; give a file name`],
      [['--bogus'], "error: unknown option '--bogus'"],
    ];
    for (const [args, message] of cases) {
      const result = await exportCli(args);
      expect(result.code, args.join(' ')).toBe(1);
      expect(result.stderr).toContain(message);
      expect(result.stdout).toBe('');
    }
    expect(await exportAudit()).toHaveLength(before);
  });

  it('streams 20,000 users in keyset pages with flat memory', async () => {
    const seeded = 20_000;
    const now = Date.now();
    // Long hashes (the column is text; imported ones come in all lengths) make 20,000 users weigh enough that an
    // export holding them all at once peaks far above the limit (measured: about 255 MB against 170 MB by pages).
    const bulkyHash = `$pbkdf2-sha256$29000$${'s'.repeat(22)}$${'h'.repeat(800)}`;
    const rows = Array.from({ length: seeded }, (_, index) => ({
      id: randomUUID(),
      email: `bulk-${index}@example.com`,
      username: null,
      display_name: `Bulk ${index}`,
      password_hash: bulkyHash,
      role: 'user',
      is_active: 1,
      is_verified: index % 2,
      is_suspended: 0,
      suspended_reason: null,
      suspended_until: null,
      password_changed_at: now,
      created_at: now - index,
      updated_at: now,
      last_login_at: null,
    }));
    for (let start = 0; start < rows.length; start += 500) {
      await server.database.db.insertInto('users').values(rows.slice(start, start + 500)).execute();
    }
    const file = join(database.dataDir, 'bulk.ndjson');
    const result = await exportCli(['--output', file, '--include-password-hashes']);
    expect(result.code, result.stderr).toBe(0);
    const lines = readFileSync(file, 'utf8').split('\n').filter((line) => line !== '');
    expect(lines).toHaveLength(seeded + 4);
    const records = lines.map((line) => JSON.parse(line) as ExportRecord);
    expect(new Set(records.map((record) => record.id)).size).toBe(seeded + 4); // no page read twice, none skipped
    expect(records.filter((record) => record.password_hash === bulkyHash)).toHaveLength(seeded);
    const peak = Number(/peak memory (\d+) MB/.exec(result.stderr)?.[1]);
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThan(200);

    const csv = await exportCli(['--format', 'csv', '--status', 'unverified']);
    expect(csv.code, csv.stderr).toBe(0);
    expect(parse(csv.stdout, { columns: true })).toHaveLength(seeded / 2 + 3); // and the admin, the bare and the suspended user
  }, 120_000);
});
