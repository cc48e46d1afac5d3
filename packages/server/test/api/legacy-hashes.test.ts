import { pbkdf2Sync, randomBytes } from 'node:crypto';
import { Algorithm, hash as argon2Hash } from '@node-rs/argon2';
import { hash as bcryptHash } from '@node-rs/bcrypt';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../helpers/databases.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { registerUser } from '../helpers/users.js';

const PASSWORD = 'imported password 42';

/** passlib's adapted base64: `+` → `.`, no padding. */
const ab64 = (bytes: Buffer) => bytes.toString('base64').replace(/=+$/, '').replace(/\+/g, '.');

function passlibPbkdf2(password: string, rounds = 29_000): string {
  const salt = randomBytes(16);
  return `$pbkdf2-sha256$${rounds}$${ab64(salt)}$${ab64(pbkdf2Sync(password, salt, rounds, 32, 'sha256'))}`;
}

function djangoPbkdf2(password: string, iterations = 100_000): string {
  const salt = randomBytes(9).toString('base64url');
  return `pbkdf2_sha256$${iterations}$${salt}$${pbkdf2Sync(password, salt, iterations, 32, 'sha256').toString('base64')}`;
}

const FORMATS: Array<[string, (password: string) => Promise<string> | string]> = [
  ['bcrypt $2a$', (p) => bcryptHash(p, { cost: 10, version: '2a' })],
  ['bcrypt $2b$', (p) => bcryptHash(p, { cost: 10, version: '2b' })],
  ['bcrypt $2y$', (p) => bcryptHash(p, { cost: 10, version: '2y' })],
  ['argon2i', (p) => argon2Hash(p, { algorithm: Algorithm.Argon2i, memoryCost: 8192, timeCost: 3, parallelism: 1 })],
  ['argon2id with other parameters', (p) => argon2Hash(p, { algorithm: Algorithm.Argon2id, memoryCost: 65536, timeCost: 3, parallelism: 4 })],
  ['passlib pbkdf2-sha256', passlibPbkdf2],
  ['Django pbkdf2_sha256', djangoPbkdf2],
];

describeEachDatabase('imported password hashes', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ dialect, env: { RATE_LIMIT_ENABLED: 'false' } });
  });
  afterAll(() => server.close());

  async function importedUser(passwordHash: string) {
    const user = await registerUser(server);
    // Stands in for `gatehouse user import`: the row arrives with another system's hash.
    await server.database.db.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', user.id).execute();
    return user;
  }

  const storedHash = async (id: string) =>
    (await server.database.db.selectFrom('users').select('password_hash').where('id', '=', id).executeTakeFirstOrThrow()).password_hash;

  const login = (username: string, password: string) => server.request('POST', '/api/v1/auth/login', { json: { username, password } });

  for (const [name, make] of FORMATS) {
    it(`verifies ${name} and rehashes it to argon2id on the first successful login`, async () => {
      const legacy = await make(PASSWORD);
      const user = await importedUser(legacy);
      expect((await login(user.email, 'imported password 43')).status).toBe(401);
      expect(await storedHash(user.id)).toBe(legacy);

      expect((await login(user.email, PASSWORD)).status).toBe(200);
      const rehashed = await storedHash(user.id);
      expect(rehashed).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
      expect((await login(user.email, PASSWORD)).status).toBe(200);
      expect(await storedHash(user.id)).toBe(rehashed);
    });
  }

  it('refuses a password longer than 72 bytes against a bcrypt hash instead of truncating it', async () => {
    const long = `${'é'.repeat(36)}tail`; // 76 bytes in UTF-8
    const user = await importedUser(await bcryptHash(long.slice(0, 36), { cost: 10 }));
    expect((await login(user.email, long)).status).toBe(401);
  });

  it('answers 401, not 500, to a hash in an unknown format', async () => {
    const user = await importedUser('{SSHA}not-a-format-we-know');
    expect((await login(user.email, PASSWORD)).status).toBe(401);
  });

  it('stores new passwords as argon2id with the configured parameters and a unique salt', async () => {
    const first = await registerUser(server);
    const second = await registerUser(server);
    const [a, b] = [await storedHash(first.id), await storedHash(second.id)];
    expect(a).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(a).not.toBe(b);
  });
});
