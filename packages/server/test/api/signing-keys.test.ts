import { expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config-error.js';
import { rotateSigningKey } from '../../src/domain/tokens/signing-keys.js';
import { reloadSigningKeys } from '../../src/jobs/reload-signing-keys.js';
import { createTestDatabase, describeEachDatabase } from '../helpers/databases.js';
import { startTestServer } from '../helpers/test-server.js';
import { loginAs, registerUser } from '../helpers/users.js';

describeEachDatabase('signing keys', (dialect) => {
  it('survive a restart: tokens issued before it stay valid and the key is not regenerated', async () => {
    const database = await createTestDatabase(dialect);
    const first = await startTestServer({ database });
    const { accessToken } = await loginAs(first, await registerUser(first));
    const kid = (await first.request('GET', '/.well-known/jwks.json')).body.keys[0].kid;
    await first.close();
    const second = await startTestServer({ database });
    try {
      expect((await second.request('GET', '/.well-known/jwks.json')).body.keys.map((key: { kid: string }) => key.kid)).toEqual([kid]);
      expect((await second.request('GET', '/api/v1/auth/me', { token: accessToken })).status).toBe(200);
    } finally {
      await second.close();
      await database.drop();
    }
  });

  it('are stored encrypted: another AUTH_SECRET_KEY cannot start on them, and says why', async () => {
    const database = await createTestDatabase(dialect);
    const first = await startTestServer({ database });
    const [stored] = await first.ctx.repos.signingKeys.listUsable(0);
    expect(stored?.sealedPrivateKey).not.toMatch(/"d"|"kty"/);
    await first.close();
    try {
      const starting = startTestServer({ database: { ...database, secret: 'another-secret-that-is-long-enough-1234' } });
      await expect(starting).rejects.toBeInstanceOf(ConfigError);
      await expect(starting).rejects.toThrow(/^AUTH_SECRET_KEY is not the secret the signing keys were encrypted with/);
    } finally {
      await database.drop();
    }
  });

  it('rotated on one instance are honoured by another at once, and signed with there after its periodic reload', async () => {
    const database = await createTestDatabase(dialect);
    const a = await startTestServer({ database });
    const b = await startTestServer({ database });
    try {
      const user = await registerUser(a);
      const oldKid = (await a.request('GET', '/.well-known/jwks.json')).body.keys[0].kid;
      b.clock.advance(1_000);
      const newKid = await rotateSigningKey(a.ctx);
      const fromA = await loginAs(a, user);
      // B has never seen the new key: the unknown kid makes it reload instead of refusing the token.
      expect((await b.request('GET', '/api/v1/auth/me', { token: fromA.accessToken })).status).toBe(200);
      const kidOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[0] as string, 'base64url').toString()).kid;
      expect(kidOf(fromA.accessToken)).toBe(newKid);
      expect(newKid).not.toBe(oldKid);
      await reloadSigningKeys(b.ctx.keyRing).run();
      expect(kidOf((await loginAs(b, user)).accessToken)).toBe(newKid);
    } finally {
      await a.close();
      await b.close();
      await database.drop();
    }
  });

  it('rotate without logging anyone out: old tokens verify, new tokens use the new key, both are published', async () => {
    const server = await startTestServer({ dialect });
    try {
      const user = await registerUser(server);
      const before = await loginAs(server, user);
      const kid = await rotateSigningKey(server.ctx);
      const jwks = (await server.request('GET', '/.well-known/jwks.json')).body.keys.map((key: { kid: string }) => key.kid);
      expect(jwks).toHaveLength(2);
      expect(jwks).toContain(kid);
      expect((await server.request('GET', '/api/v1/auth/me', { token: before.accessToken })).status).toBe(200);
      const after = await loginAs(server, user);
      expect(JSON.parse(Buffer.from(after.accessToken.split('.')[0] as string, 'base64url').toString()).kid).toBe(kid);
      // Once every token of the old key has expired, the old key leaves the JWKS.
      server.clock.advance((server.config.accessTokenTtlSeconds + 31) * 1000);
      await server.ctx.keyRing.reload();
      expect((await server.request('GET', '/.well-known/jwks.json')).body.keys.map((key: { kid: string }) => key.kid)).toEqual([kid]);
    } finally {
      await server.close();
    }
  });
});
