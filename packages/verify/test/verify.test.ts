import { createHmac } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearerToken, createVerifier, hasRole, type Verifier, VerifyError } from '../src/index.js';
import { type Account, b64, claimsFor, signIn, signWithServerKey, startGatehouse, type TestServer, verifierFor } from './helpers/gatehouse.js';

/**
 * `verifier.verify` against tokens a real Gatehouse issued, and against the JWT attack set of the server's own suite
 * (packages/server/test/api/jwt-attacks.test.ts): forged tokens are built from legitimate ones or signed with the
 * server's real key, so that each one differs from an accepted token in the one rule under test.
 */

async function expectRefused(verifier: Verifier, token: string, code: 'invalid_token' | 'token_expired' = 'invalid_token'): Promise<void> {
  const error = await verifier.verify(token).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(VerifyError);
  expect((error as VerifyError).code).toBe(code);
  expect((error as VerifyError).status).toBe(401);
}

describe('verify: real tokens', () => {
  let server: TestServer;
  let verifier: Verifier;
  const accounts = {} as Record<'admin' | 'user' | 'guest', Account>;

  beforeAll(async () => {
    server = await startGatehouse();
    verifier = verifierFor(server);
    for (const role of ['admin', 'user', 'guest'] as const) accounts[role] = await signIn(server, role);
  });
  afterAll(() => server.close());

  it.each([
    ['admin', ['read', 'write', 'admin']],
    ['user', ['read', 'write']],
    ['guest', ['read']],
  ] as const)('yields the %s caller, with the scopes derived from the role', async (role, scopes) => {
    const account = accounts[role];
    const caller = await verifier.verify(account.accessToken);
    expect(caller).toEqual({ userId: account.id, sessionId: account.sessionId, role, scopes });
    expect(Object.isFrozen(caller)).toBe(true);
    expect(hasRole(caller, role)).toBe(true);
    expect(hasRole(caller, ...(['admin', 'user', 'guest'] as const).filter((other) => other !== role))).toBe(false);
  });

  it('takes a `scope` claim over the role when a token carries one', async () => {
    const token = await signWithServerKey(server, claimsFor(server, accounts.admin, { scope: 'read' }));
    expect((await verifier.verify(token)).scopes).toEqual(['read']);
  });

  it('uses the injected clock: expired 30 s after exp (the tolerated skew), not before', async () => {
    const exp = decodeJwt(accounts.user.accessToken).exp as number;
    const untilExp = exp * 1000 - server.clock.now();
    await expect(verifierFor(server, { offsetMs: untilExp + 29_000 }).verify(accounts.user.accessToken)).resolves.toMatchObject({ role: 'user' });
    await expectRefused(verifierFor(server, { offsetMs: untilExp + 31_000 }), accounts.user.accessToken, 'token_expired');
    await expectRefused(verifierFor(server, { offsetMs: untilExp + 1_000, clockToleranceSeconds: 0 }), accounts.user.accessToken, 'token_expired');
  });

  it('refuses a token of another audience or issuer configured on the verifier', async () => {
    await expectRefused(verifierFor(server, { audience: 'notes-api' }), accounts.user.accessToken);
    await expectRefused(verifierFor(server, { issuer: 'http://other.test' }), accounts.user.accessToken);
  });

  it('refuses an invalid issuer URL at creation, not at the first request', () => {
    expect(() => createVerifier({ issuer: 'gatehouse' })).toThrow(TypeError);
  });

  it('reads bearer credentials the RFC 6750 way', () => {
    expect(bearerToken(`Bearer ${accounts.user.accessToken}`)).toBe(accounts.user.accessToken);
    expect(bearerToken(`bearer  ${accounts.user.accessToken}`)).toBe(accounts.user.accessToken);
    for (const header of [undefined, '', 'Bearer', 'Bearer ', `Basic ${accounts.user.accessToken}`, `Bearer a b`, `Bearer:${accounts.user.accessToken}`]) {
      expect(bearerToken(header)).toBeUndefined();
    }
  });
});

describe('verify: the JWT attack set', () => {
  let server: TestServer;
  let verifier: Verifier;
  let account: Account;
  let parts: [string, string, string];
  let claims: Record<string, unknown>;
  let attacker: { privateKey: CryptoKey; jwk: JWK };

  beforeAll(async () => {
    server = await startGatehouse();
    verifier = verifierFor(server);
    account = await signIn(server, 'user');
    parts = account.accessToken.split('.') as [string, string, string];
    claims = decodeJwt(account.accessToken) as Record<string, unknown>;
    const pair = await generateKeyPair('EdDSA', { extractable: true });
    attacker = { privateKey: pair.privateKey, jwk: { ...(await exportJWK(pair.publicKey)), kid: 'attacker', alg: 'EdDSA' } };
    // The control: the untouched token and one signed by the test with correct claims both pass.
    await expect(verifier.verify(account.accessToken)).resolves.toMatchObject({ userId: account.id });
    await expect(verifier.verify(await signWithServerKey(server, claimsFor(server, account)))).resolves.toMatchObject({ userId: account.id });
  });
  afterAll(() => server.close());

  it.each(['none', 'None', 'NONE'])('refuses alg %s with an empty signature', async (alg) => {
    const header = { ...decodeProtectedHeader(account.accessToken), alg };
    await expectRefused(verifier, `${b64(header)}.${b64({ ...claims, role: 'admin' })}.`);
  });

  it.each(['HS256', 'RS256', 'ES256', 'Ed25519'])('refuses alg %s over the original signature', async (alg) => {
    const header = { ...decodeProtectedHeader(account.accessToken), alg };
    await expectRefused(verifier, `${b64(header)}.${parts[1]}.${parts[2]}`);
  });

  it('refuses HS256 signed with the published public key as the secret (key confusion)', async () => {
    const jwks = (await server.request('GET', '/.well-known/jwks.json')).body as { keys: JWK[] };
    const jwk = jwks.keys.find((key) => key.kid === decodeProtectedHeader(account.accessToken).kid) as JWK;
    for (const secret of [jwk.x as string, Buffer.from(jwk.x as string, 'base64url'), JSON.stringify(jwk)]) {
      const input = `${b64({ alg: 'HS256', typ: 'at+jwt', kid: jwk.kid })}.${b64({ ...claims, role: 'admin' })}`;
      await expectRefused(verifier, `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`);
    }
  });

  it('refuses the real key under an unknown kid, an attacker key under the real kid, and an embedded jwk', async () => {
    const { kid } = server.ctx.keyRing.signingKey();
    await expectRefused(verifier, await signWithServerKey(server, claimsFor(server, account), { kid: 'unknown-kid' }));
    const forge = (header: Record<string, unknown>) =>
      new SignJWT(claimsFor(server, account, { role: 'admin' })).setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', ...header }).sign(attacker.privateKey);
    await expectRefused(verifier, await forge({ kid }));
    await expectRefused(verifier, await forge({ kid: 'attacker' }));
    await expectRefused(verifier, await forge({ kid, jwk: attacker.jwk }));
    await expectRefused(verifier, await signWithServerKey(server, claimsFor(server, account), { kid: undefined }));
  });

  it('refuses key material named or embedded in the header, even on a token the real key signed', async () => {
    const { kid } = server.ctx.keyRing.signingKey();
    const published = ((await server.request('GET', '/.well-known/jwks.json')).body as { keys: JWK[] }).keys.find((key) => key.kid === kid);
    const named = [{ jwk: published }, { jku: `${server.url}/.well-known/jwks.json` }, { x5u: 'https://evil.test/cert.pem' }];
    // jose itself ignores these: only our own check refuses them.
    const ignoredByJose = [{ x5c: ['MIIB'] }, { x5t: 'thumbprint' }, { 'x5t#S256': 'thumbprint' }];
    for (const header of [...named, ...ignoredByJose]) {
      await expectRefused(verifier, await signWithServerKey(server, claimsFor(server, account), header));
    }
  });

  it('refuses a well-formed, correctly signed token longer than 4096 characters', async () => {
    const padded = await signWithServerKey(server, claimsFor(server, account, { pad: 'p'.repeat(4200) }));
    expect(padded.length).toBeGreaterThan(4096);
    await expectRefused(verifier, padded);
  });

  it('refuses a tampered payload (role, sub, exp) under the original signature', async () => {
    for (const tampered of [{ role: 'admin' }, { sub: 'someone-else' }, { exp: (claims.exp as number) + 86_400 }]) {
      await expectRefused(verifier, `${parts[0]}.${b64({ ...claims, ...tampered })}.${parts[2]}`);
    }
  });

  it('refuses another spelling of the same signature (non-canonical base64url) and malformed shapes', async () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const respelled = `${parts[2].slice(0, -1)}${alphabet[alphabet.indexOf(parts[2].slice(-1)) ^ 1]}`;
    expect(Buffer.from(respelled, 'base64url').equals(Buffer.from(parts[2], 'base64url'))).toBe(true);
    for (const token of [`${parts[0]}.${parts[1]}.${respelled}`, `${parts[0]}.${parts[1]}`, `${account.accessToken}.${parts[2]}`, '', 'x'.repeat(5000), account.refreshToken]) {
      await expectRefused(verifier, token);
    }
  });

  it('refuses an expired token (token_expired) and one not yet valid', async () => {
    const now = Math.floor(server.clock.now() / 1000);
    await expectRefused(verifier, await signWithServerKey(server, claimsFor(server, account, { iat: now - 1200, exp: now - 31 })), 'token_expired');
    await expectRefused(verifier, await signWithServerKey(server, claimsFor(server, account, { nbf: now + 60 })));
    await expectRefused(verifier, await signWithServerKey(server, claimsFor(server, account, { iat: now + 60, exp: now + 660 })));
  });

  it.each<[string, Record<string, unknown>]>([
    ['a wrong iss', { iss: 'http://evil.test' }],
    ['a wrong aud', { aud: 'another-api' }],
    ['a missing sid', { sid: undefined }],
    ['a missing role', { role: undefined }],
    ['an unknown role', { role: 'superuser' }],
    ['a missing sub', { sub: undefined }],
    ['a missing exp', { exp: undefined }],
    ['a missing jti', { jti: undefined }],
  ])('refuses %s', async (_name, overrides) => {
    await expectRefused(verifier, await signWithServerKey(server, claimsFor(server, account, overrides)));
  });

  it.each<[string, Record<string, unknown>]>([
    ['typ JWT', { typ: 'JWT' }],
    ['no typ', { typ: undefined }],
    ['an unknown critical header', { crit: ['x-ext'], 'x-ext': true }],
  ])('refuses %s instead of at+jwt', async (_name, header) => {
    const token = await signWithServerKey(server, claimsFor(server, account), header).catch(async () => {
      // jose refuses to sign an unknown critical extension: sign those bytes with WebCrypto.
      const { kid, key } = server.ctx.keyRing.signingKey();
      const input = `${b64({ alg: 'EdDSA', typ: 'at+jwt', kid, ...header })}.${b64(claimsFor(server, account))}`;
      const signature = await crypto.subtle.sign('Ed25519', key, new TextEncoder().encode(input));
      return `${input}.${Buffer.from(signature).toString('base64url')}`;
    });
    await expectRefused(verifier, token);
  });

  it('refuses a token of another issuer signed with its own published key', async () => {
    const other = await startGatehouse();
    try {
      const foreign = await signIn(other, 'user');
      // Test deployments share one PUBLIC_URL, so only the keys tell them apart: the other one's is not in this JWKS.
      await expect(verifierFor(other).verify(foreign.accessToken)).resolves.toMatchObject({ userId: foreign.id });
      await expectRefused(verifier, foreign.accessToken);
    } finally {
      await other.close();
    }
  });
});
