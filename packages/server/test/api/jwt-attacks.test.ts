import { createHmac, createPublicKey, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CompactSign, type CryptoKey, decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { describeEachDatabase } from '../helpers/databases.js';
import { type HttpResponse, startTestServer, type TestServer } from '../helpers/test-server.js';
import { type LoggedIn, loginAs, registerUser, type TestUser } from '../helpers/users.js';

/**
 * Security requirements §6 (JWT-01 … JWT-16): every forged, tampered, misplaced or foreign token gets a 401 problem
 * document on GET /auth/me, never data and never a 500. Attacks are built from a legitimately issued token, so a
 * verifier that skipped the check under test would answer 200. Claim checks are grey-box: they are signed with the
 * server's own private key (ctx.keyRing.signingKey()) so the claim under test is the only thing wrong, and a control
 * token signed the same way with correct claims proves that path can succeed.
 */

const ME = '/api/v1/auth/me';
// The frozen clock never moves a per-minute window; these suites are about tokens, not limits.
const ENV = { RATE_LIMIT_ENABLED: 'false', LOCKOUT_ENABLED: 'false' };

type Json = Record<string, unknown> | unknown[] | string | number | null;

const b64 = (value: Json | Uint8Array): string => Buffer.from(value instanceof Uint8Array ? value : JSON.stringify(value)).toString('base64url');

/** A compact token from parts, with no signing: for shapes no library would produce. */
function compact(header: Json, payload: Json, signature: string): string {
  return `${b64(header)}.${b64(payload)}.${signature}`;
}

/** An HMAC-signed token built by hand, so any bytes at all can serve as the secret. */
function hmacToken(alg: 'HS256' | 'HS384' | 'HS512', header: Record<string, unknown>, payload: Json, secret: string | Buffer): string {
  const input = `${b64({ ...header, alg })}.${b64(payload)}`;
  const hash = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' }[alg];
  return `${input}.${createHmac(hash, secret).update(input).digest('base64url')}`;
}

/** A token signed by `key` with exactly the header and payload given (CompactSign validates neither claims nor shape). */
async function signRaw(key: CryptoKey, header: Record<string, unknown>, payload: Json): Promise<string> {
  if ('crit' in header) {
    // jose refuses to sign an unknown critical extension; sign the bytes with WebCrypto instead.
    const input = `${b64({ alg: 'EdDSA', ...header })}.${b64(payload)}`;
    const signature = await crypto.subtle.sign('Ed25519', key, new TextEncoder().encode(input));
    return `${input}.${Buffer.from(signature).toString('base64url')}`;
  }
  return new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg: 'EdDSA', ...header } as { alg: string })
    .sign(key);
}

function splitToken(token: string): [string, string, string] {
  const parts = token.split('.');
  expect(parts).toHaveLength(3);
  return parts as [string, string, string];
}

/** Replaces the character at `index` with a different base64url character that changes its 6 bits. */
function flipChar(segment: string, index: number): string {
  const current = segment[index];
  const replacement = current === 'A' ? 'B' : 'A';
  return segment.slice(0, index) + replacement + segment.slice(index + 1);
}

function expectTokenRefused(response: HttpResponse, code: 'invalid_token' | 'token_expired' | 'session_revoked' = 'invalid_token'): void {
  expect(response.status, response.text).toBe(401);
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(response.body.code).toBe(code);
  expect(response.body.status).toBe(401);
  expect(typeof response.body.detail).toBe('string');
  expect(response.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
  // No user data leaks into the error.
  expect(response.text).not.toContain('"email"');
}

describeEachDatabase('JWT attacks on GET /auth/me', (dialect) => {
  let server: TestServer;
  let victim: TestUser;
  let other: TestUser;
  let jwks: { keys: JWK[] };
  let attacker: { publicKey: CryptoKey; privateKey: CryptoKey; jwk: JWK };
  /** A working login of the victim, checked before every test. */
  let session: LoggedIn;
  let lastLogin: LoggedIn | undefined;
  let claims: Record<string, unknown>;
  let parts: [string, string, string];

  const me = (token: string) => server.request('GET', ME, { token });
  const meWithHeader = (authorization: string) => server.request('GET', ME, { headers: { authorization } });
  const nowSeconds = () => Math.floor(server.clock.now() / 1000);

  /** Claims that the server accepts, for the victim's current session; override or delete (undefined) one to attack. */
  function goodClaims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
    const now = nowSeconds();
    const base: Record<string, unknown> = {
      iss: server.config.publicUrl,
      aud: server.config.jwtAudience,
      sub: victim.id,
      sid: session.sessionId,
      role: 'user',
      jti: randomBytes(16).toString('base64url'),
      iat: now,
      exp: now + 600,
    };
    for (const [name, value] of Object.entries(overrides)) {
      if (value === undefined) delete base[name];
      else base[name] = value;
    }
    return base;
  }

  /** Signed with the server's real private key and its real kid: only what the test overrides is wrong. */
  function signWithServerKey(payload: Json, header: Record<string, unknown> = {}): Promise<string> {
    const { kid, key } = server.ctx.keyRing.signingKey();
    return signRaw(key, { typ: 'at+jwt', kid, ...header }, payload);
  }

  beforeAll(async () => {
    server = await startTestServer({ dialect, env: ENV });
    victim = await registerUser(server);
    other = await registerUser(server);
    const published = await server.request('GET', '/.well-known/jwks.json');
    expect(published.status).toBe(200);
    jwks = published.body;
    expect(jwks.keys.length).toBeGreaterThan(0);
    const pair = await generateKeyPair('EdDSA', { extractable: true });
    attacker = {
      publicKey: pair.publicKey,
      privateKey: pair.privateKey,
      jwk: { ...(await exportJWK(pair.publicKey)), kid: 'attacker', alg: 'EdDSA' },
    };
  });
  afterAll(() => server.close());

  beforeEach(async () => {
    // One login serves many tests (argon2 is the slow part); a new one once the clock has eaten most of its life.
    const secondsLeft = lastLogin ? (decodeJwt(lastLogin.accessToken).exp as number) - nowSeconds() : 0;
    if (!lastLogin || secondsLeft < 600) lastLogin = await loginAs(server, victim);
    session = lastLogin;
    // The base token works right now: every refusal below is caused by the attack, not by a dead session.
    const control = await me(session.accessToken);
    expect(control.status, control.text).toBe(200);
    expect(control.body.id).toBe(victim.id);
    claims = decodeJwt(session.accessToken) as Record<string, unknown>;
    parts = splitToken(session.accessToken);
  });

  describe('alg none and algorithm swaps (JWT-01)', () => {
    it.each(['none', 'None', 'NONE', 'nOnE'])('refuses alg %s with an empty signature', async (alg) => {
      const header = { ...decodeProtectedHeader(session.accessToken), alg };
      expectTokenRefused(await me(`${b64(header)}.${parts[1]}.`));
    });

    it.each(['none', 'None', 'NONE', 'nOnE'])('refuses alg %s with role=admin and an empty signature', async (alg) => {
      const header = { ...decodeProtectedHeader(session.accessToken), alg };
      expectTokenRefused(await me(compact(header, { ...claims, role: 'admin' }, '')));
    });

    it('refuses alg none that keeps the original signature', async () => {
      const header = { ...decodeProtectedHeader(session.accessToken), alg: 'none' };
      expectTokenRefused(await me(`${b64(header)}.${parts[1]}.${parts[2]}`));
    });

    it.each(['HS256', 'HS512', 'RS256', 'PS256', 'ES256', 'Ed25519', 'eddsa'])('refuses alg %s over the original signature', async (alg) => {
      const header = { ...decodeProtectedHeader(session.accessToken), alg };
      expectTokenRefused(await me(`${b64(header)}.${parts[1]}.${parts[2]}`));
    });

    it('refuses an ES256 "psychic signature" of zero bytes (CVE-2022-21449)', async () => {
      const header = { ...decodeProtectedHeader(session.accessToken), alg: 'ES256' };
      expectTokenRefused(await me(`${b64(header)}.${parts[1]}.${'A'.repeat(86)}`));
    });
  });

  describe('HMAC key confusion with the published public key (JWT-03)', () => {
    const secrets: Array<[string, (jwk: JWK) => string | Buffer]> = [
      ['the base64url `x` as text', (jwk) => jwk.x as string],
      ['the raw 32 public key bytes', (jwk) => Buffer.from(jwk.x as string, 'base64url')],
      ['the JWK JSON string as published', (jwk) => JSON.stringify(jwk)],
      ['the minimal JWK JSON string', (jwk) => JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x })],
      ['the SPKI PEM', (jwk) => createPublicKey({ key: jwk as never, format: 'jwk' }).export({ type: 'spki', format: 'pem' }) as string],
      [
        'the SPKI PEM without its trailing newline',
        (jwk) => (createPublicKey({ key: jwk as never, format: 'jwk' }).export({ type: 'spki', format: 'pem' }) as string).trimEnd(),
      ],
      ['the SPKI DER bytes', (jwk) => createPublicKey({ key: jwk as never, format: 'jwk' }).export({ type: 'spki', format: 'der' })],
      ['an empty secret', () => ''],
      ['a single NUL byte', () => Buffer.from([0])],
      ['the word "secret"', () => 'secret'],
    ];

    it.each(secrets)('refuses HS256 signed with %s', async (_name, secretOf) => {
      const jwk = jwks.keys[0] as JWK;
      expect(jwk.kid).toBe(decodeProtectedHeader(session.accessToken).kid);
      const token = hmacToken('HS256', { typ: 'at+jwt', kid: jwk.kid }, { ...claims, role: 'admin' }, secretOf(jwk));
      expectTokenRefused(await me(token));
    });

    it.each(secrets)('refuses HS512 with the original claims signed with %s', async (_name, secretOf) => {
      const jwk = jwks.keys[0] as JWK;
      const token = hmacToken('HS512', { typ: 'at+jwt', kid: jwk.kid }, claims as Json, secretOf(jwk));
      expectTokenRefused(await me(token));
    });
  });

  describe('kid handling (JWT-05)', () => {
    it('refuses a token signed with the real key under an unknown kid', async () => {
      expectTokenRefused(await me(await signWithServerKey(goodClaims(), { kid: 'unknown-kid' })));
    });

    it.each([
      '../../../../../../dev/null',
      '/dev/null',
      '/proc/sys/kernel/randomize_va_space',
      "x' UNION SELECT 'k'-- -",
      "' OR '1'='1",
      'a;sleep 5',
      '$(sleep 5)',
      '__proto__',
      'constructor',
      'toString',
      '',
    ])('refuses kid %j with forged HMAC signatures', async (kid) => {
      for (const secret of ['', '\0', '2', 'k']) {
        expectTokenRefused(await me(hmacToken('HS256', { typ: 'at+jwt', kid }, { ...claims, role: 'admin' }, secret)));
      }
    });

    it.each(['../../../../../../dev/null', "x' UNION SELECT 'k'-- -", '__proto__', 'constructor'])(
      'refuses kid %j even on a token signed with the real key',
      async (kid) => {
        expectTokenRefused(await me(await signWithServerKey(goodClaims(), { kid })));
      },
    );

    it('refuses kids that are not strings', async () => {
      for (const kid of [null, 1, true, [], {}, [server.ctx.keyRing.signingKey().kid]]) {
        expectTokenRefused(await me(await signWithServerKey(goodClaims(), { kid })));
      }
    });

    it('refuses a 10 KB kid', async () => {
      const token = await signWithServerKey(goodClaims(), { kid: 'k'.repeat(10 * 1024) });
      expect(token.length).toBeGreaterThan(10 * 1024);
      expectTokenRefused(await me(token));
    });
  });

  describe('keys named or embedded in the header (JWT-04)', () => {
    let listener: Server;
    let listenerUrl: string;
    let hits: string[];

    beforeAll(async () => {
      hits = [];
      listener = createServer((request, response) => {
        hits.push(`${request.method} ${request.url}`);
        const body = request.url?.includes('jwks')
          ? JSON.stringify({ keys: [attacker.jwk] })
          : '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n';
        response.writeHead(200, { 'content-type': 'application/json' }).end(body);
      });
      await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
      listenerUrl = `http://127.0.0.1:${(listener.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((resolve) => listener.close(() => resolve())));
    afterEach(() => {
      // JWT-04: any request to the attacker's listener is a failure, whatever the status.
      expect(hits).toEqual([]);
    });

    it('the listener itself answers (so a fetch by the server would be seen)', async () => {
      const response = await fetch(`${listenerUrl}/jwks.json`);
      expect(response.status).toBe(200);
      expect(hits).toEqual(['GET /jwks.json']);
      hits.length = 0;
    });

    it('refuses an embedded attacker `jwk` signed with the attacker key', async () => {
      const payload = { ...goodClaims(), role: 'admin' };
      expectTokenRefused(await me(await signRaw(attacker.privateKey, { typ: 'at+jwt', kid: 'attacker', jwk: attacker.jwk }, payload)));
      const { kid } = server.ctx.keyRing.signingKey();
      expectTokenRefused(await me(await signRaw(attacker.privateKey, { typ: 'at+jwt', kid, jwk: { ...attacker.jwk, kid } }, payload)));
      expectTokenRefused(await me(await signRaw(attacker.privateKey, { typ: 'at+jwt', jwk: attacker.jwk }, payload)));
    });

    it('refuses `jku` pointing at the attacker listener without fetching it', async () => {
      const payload = { ...goodClaims(), role: 'admin' };
      const { kid } = server.ctx.keyRing.signingKey();
      expectTokenRefused(await me(await signRaw(attacker.privateKey, { typ: 'at+jwt', kid: 'attacker', jku: `${listenerUrl}/jwks.json` }, payload)));
      expectTokenRefused(await me(await signRaw(attacker.privateKey, { typ: 'at+jwt', kid, jku: `${listenerUrl}/jwks.json` }, payload)));
    });

    it('refuses `x5u` pointing at the attacker listener without fetching it', async () => {
      const payload = { ...goodClaims(), role: 'admin' };
      const { kid } = server.ctx.keyRing.signingKey();
      expectTokenRefused(await me(await signRaw(attacker.privateKey, { typ: 'at+jwt', kid: 'attacker', x5u: `${listenerUrl}/cert.pem` }, payload)));
      expectTokenRefused(await me(await signRaw(attacker.privateKey, { typ: 'at+jwt', kid, x5u: `${listenerUrl}/cert.pem` }, payload)));
    });

    it('refuses an `x5c` chain in the header', async () => {
      const payload = { ...goodClaims(), role: 'admin' };
      const x5c = [randomBytes(300).toString('base64')];
      expectTokenRefused(await me(await signRaw(attacker.privateKey, { typ: 'at+jwt', kid: 'attacker', x5c }, payload)));
    });

    it('refuses key-naming headers even on a token otherwise correctly signed by the server', async () => {
      // A verifier that merely ignored these headers would accept this token; Gatehouse refuses them outright.
      for (const extra of [{ jku: `${listenerUrl}/jwks.json` }, { x5u: `${listenerUrl}/cert.pem` }, { jwk: attacker.jwk }]) {
        expectTokenRefused(await me(await signWithServerKey(goodClaims(), extra)));
      }
    });
  });

  describe('expiry with the frozen clock (JWT-07)', () => {
    it('accepts an access token within the 30 s skew after exp and refuses it as token_expired past it', async () => {
      const used = (await loginAs(server, victim)).accessToken;
      expect((await me(used)).status).toBe(200); // verified once, so it now sits in the verification cache
      const fresh = (await loginAs(server, victim)).accessToken; // never presented before the clock moves
      const exp = decodeJwt(used).exp as number;
      expect(exp - nowSeconds()).toBe(30 * 60);

      server.clock.advance((exp + 20) * 1000 - server.clock.now());
      expect((await me(used)).status).toBe(200);
      expect((await me(fresh)).status).toBe(200);

      const unseen = await signWithServerKey(goodClaims({ iat: exp - 1800, exp }));
      server.clock.advance(15_000); // now exp + 35 s
      expectTokenRefused(await me(used), 'token_expired');
      expectTokenRefused(await me(fresh), 'token_expired');
      expectTokenRefused(await me(unseen), 'token_expired');
    });

    it('refuses a server-signed token with a negative exp as token_expired', async () => {
      expectTokenRefused(await me(await signWithServerKey(goodClaims({ exp: -1 }))), 'token_expired');
    });

    it('refuses a server-signed token 60 s past exp but accepts one 10 s past exp', async () => {
      const now = nowSeconds();
      expectTokenRefused(await me(await signWithServerKey(goodClaims({ iat: now - 700, exp: now - 60 }))), 'token_expired');
      expect((await me(await signWithServerKey(goodClaims({ iat: now - 700, exp: now - 10 })))).status).toBe(200);
    });
  });

  describe('claims, signed with the server key so only the claim under test is wrong (JWT-07 … JWT-10, JWT-14)', () => {
    it('control: correct claims signed the same way are accepted', async () => {
      const response = await me(await signWithServerKey(goodClaims()));
      expect(response.status, response.text).toBe(200);
      expect(response.body.id).toBe(victim.id);
    });

    it('control: the same claims signed with SignJWT are accepted', async () => {
      const { kid, key } = server.ctx.keyRing.signingKey();
      const { iss, aud, sub, jti, iat, exp, ...rest } = goodClaims();
      const token = await new SignJWT(rest)
        .setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid })
        .setIssuer(iss as string)
        .setAudience(aud as string)
        .setSubject(sub as string)
        .setJti(jti as string)
        .setIssuedAt(iat as number)
        .setExpirationTime(exp as number)
        .sign(key);
      expect((await me(token)).status).toBe(200);
    });

    it('refuses nbf in the future', async () => {
      expectTokenRefused(await me(await signWithServerKey(goodClaims({ nbf: nowSeconds() + 300 }))));
    });

    it('refuses an iss with a trailing slash', async () => {
      expectTokenRefused(await me(await signWithServerKey(goodClaims({ iss: `${server.config.publicUrl}/` }))));
    });

    it('refuses iat far in the future', async () => {
      const now = nowSeconds();
      expectTokenRefused(await me(await signWithServerKey(goodClaims({ iat: now + 3600, exp: now + 7200 }))));
    });

    it.each<[string, Record<string, unknown>]>([
      ['a wrong iss', { iss: 'https://evil.example' }],
      ['a missing iss', { iss: undefined }],
      ['a wrong aud', { aud: 'another-service' }],
      ['an aud list without this API', { aud: ['another-service', 'gatehouse-ws'] }],
      ['an empty aud list', { aud: [] }],
      ['a missing aud', { aud: undefined }],
      ['a missing exp', { exp: undefined }],
      ['exp as a string', { exp: '9999999999' }],
      ['exp null', { exp: null }],
      ['a missing sub', { sub: undefined }],
      ['a numeric sub', { sub: 12345 }],
      ['a missing sid', { sid: undefined }],
      ['a missing jti', { jti: undefined }],
      ['iat as a string', { iat: 'now' }],
    ])('refuses %s', async (_name, overrides) => {
      expectTokenRefused(await me(await signWithServerKey(goodClaims(overrides))));
    });

    it('refuses a sub that names no user', async () => {
      expectTokenRefused(await me(await signWithServerKey(goodClaims({ sub: '01900000-0000-7000-8000-000000000000' }))));
    });

    it.each<[string, Record<string, unknown>]>([
      ['typ JWT', { typ: 'JWT' }],
      ['typ at+JWS', { typ: 'at+jws' }],
      ['no typ', { typ: undefined }],
      ['an unknown critical header', { crit: ['exp-extension'], 'exp-extension': true }],
    ])('refuses %s instead of at+jwt', async (_name, header) => {
      const payload = goodClaims();
      const { kid, key } = server.ctx.keyRing.signingKey();
      const fullHeader: Record<string, unknown> = { typ: 'at+jwt', kid, ...header };
      if (header.typ === undefined && 'typ' in header) delete fullHeader.typ;
      expectTokenRefused(await me(await signRaw(key, fullHeader, payload)));
    });

    it.each<[string, (claims: Record<string, unknown>) => Json]>([
      ['a JSON array holding the claims', (good) => [good]],
      ['an empty JSON array', () => []],
      ['a JSON string', () => 'str'],
      ['a JSON number', () => 42],
      ['JSON null', () => null],
    ])('refuses a payload that is %s', async (_name, shape) => {
      expectTokenRefused(await me(await signWithServerKey(shape(goodClaims()))));
    });
  });

  describe('tampering and malformed tokens (JWT-02, JWT-14)', () => {
    it('refuses role=admin in the payload with the original signature', async () => {
      expectTokenRefused(await me(`${parts[0]}.${b64({ ...claims, role: 'admin' })}.${parts[2]}`));
    });

    it("refuses another user's id as sub with the original signature", async () => {
      expectTokenRefused(await me(`${parts[0]}.${b64({ ...claims, sub: other.id })}.${parts[2]}`));
    });

    it('refuses an extended exp with the original signature', async () => {
      expectTokenRefused(await me(`${parts[0]}.${b64({ ...claims, exp: (claims.exp as number) + 86_400 })}.${parts[2]}`));
    });

    it('refuses a header re-encoded with different bytes (kid unchanged) over the original signature', async () => {
      const header = decodeProtectedHeader(session.accessToken);
      expectTokenRefused(await me(`${b64({ kid: header.kid, typ: header.typ, alg: header.alg })}.${parts[1]}.${parts[2]}`));
    });

    it('refuses another spelling of the same signature bytes (non-canonical base64url)', async () => {
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      const last = alphabet.indexOf(parts[2].slice(-1));
      // An 86-character Ed25519 signature leaves the last character's 4 low bits unused: flip one of them.
      const respelled = `${parts[2].slice(0, -1)}${alphabet[last ^ 1]}`;
      expect(Buffer.from(respelled, 'base64url').equals(Buffer.from(parts[2], 'base64url'))).toBe(true);
      expectTokenRefused(await me(`${parts[0]}.${parts[1]}.${respelled}`));
    });

    it.each([0, 10, 42, 70])('refuses a signature with character %i flipped', async (index) => {
      expectTokenRefused(await me(`${parts[0]}.${parts[1]}.${flipChar(parts[2], index)}`));
    });

    it('refuses truncated signatures', async () => {
      for (const length of [1, 2, 43, 85]) {
        expectTokenRefused(await me(`${parts[0]}.${parts[1]}.${parts[2].slice(0, length)}`));
      }
    });

    it('refuses a signature of zero bytes and a doubled signature', async () => {
      expectTokenRefused(await me(`${parts[0]}.${parts[1]}.${'A'.repeat(86)}`));
      expectTokenRefused(await me(`${parts[0]}.${parts[1]}.${parts[2]}${parts[2]}`));
    });

    it('refuses a token whose signature comes from another token of the same user', async () => {
      const second = splitToken((await loginAs(server, victim)).accessToken);
      expectTokenRefused(await me(`${parts[0]}.${parts[1]}.${second[2]}`));
    });

    it.each<[string, () => string]>([
      ['two segments', () => `${parts[0]}.${parts[1]}`],
      ['two segments with a trailing dot', () => `${parts[0]}.${parts[1]}.`],
      ['four segments', () => `${parts.join('.')}.${parts[2]}`],
      ['five segments (JWE shape)', () => `${parts[0]}.${parts[1]}.${parts[2]}.${parts[1]}.${parts[2]}`],
      ['five segments a.b.c.d.e', () => 'a.b.c.d.e'],
      ['an empty header segment', () => `.${parts[1]}.${parts[2]}`],
      ['a lone dot pair', () => '..'],
      ['the JSON serialisation', () => JSON.stringify({ protected: parts[0], payload: parts[1], signature: parts[2] })],
      ['a raw JSON header segment with `{` and `"`', () => `${JSON.stringify(decodeProtectedHeader(session.accessToken))}.${parts[1]}.${parts[2]}`],
      ['a quoted token', () => `"${session.accessToken}"`],
      ['`+` in the payload segment', () => `${parts[0]}.${parts[1]}+.${parts[2]}`],
      ['`/` in the payload segment', () => `${parts[0]}.${parts[1]}/.${parts[2]}`],
      ['`=` padding on the signature', () => `${parts[0]}.${parts[1]}.${parts[2]}==`],
      ['`=` padding on the header', () => `${parts[0]}=.${parts[1]}.${parts[2]}`],
      [
        'standard base64 with `+`, `/` and padding',
        () =>
          parts
            .map((part) => Buffer.from(part, 'base64url').toString('base64'))
            .join('.')
            .concat('+/'),
      ],
      ['a percent-encoded token', () => encodeURIComponent(`${session.accessToken}+`)],
      ['a tab inside the token', () => `${parts[0]}.${parts[1]}\t.${parts[2]}`],
    ])('refuses %s', async (_name, build) => {
      expectTokenRefused(await me(build()));
    });

    it('refuses a token with a space inside it', async () => {
      expectTokenRefused(await meWithHeader(`Bearer ${parts[0]}.${parts[1]} .${parts[2]}`));
    });

    it('refuses an 8 KB well-formed-looking token', async () => {
      const segment = () => randomBytes(2048).toString('base64url');
      const token = `${parts[0]}.${segment()}${segment()}.${segment()}`;
      expect(token.length).toBeGreaterThan(8 * 1024);
      expectTokenRefused(await me(token));
    });

    it('refuses an 8 KB token that keeps the real header and signature', async () => {
      const token = `${parts[0]}.${b64({ ...claims, pad: 'x'.repeat(6 * 1024) })}.${parts[2]}`;
      expect(token.length).toBeGreaterThan(8 * 1024);
      expectTokenRefused(await me(token));
    });
  });

  describe('the wrong kind of credential or the wrong place (JWT-10, JWT-16)', () => {
    it('refuses a refresh token as a bearer token', async () => {
      expect(session.refreshToken.startsWith('rt_')).toBe(true);
      expectTokenRefused(await me(session.refreshToken));
    });

    it.each(['Basic', 'Token', 'JWT', 'Bearer:', 'Bearerx', 'Digest'])('refuses the %s scheme carrying the valid token', async (scheme) => {
      const response = await meWithHeader(`${scheme} ${session.accessToken}`);
      expect(response.status, response.text).toBe(401);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(['invalid_token', 'not_authenticated']).toContain(response.body.code);
      expect(response.headers.get('www-authenticate')).toBe(response.body.code === 'invalid_token' ? 'Bearer error="invalid_token"' : 'Bearer');
    });

    it('refuses Basic credentials of the real user', async () => {
      const response = await meWithHeader(`Basic ${Buffer.from(`${victim.email}:${victim.password}`).toString('base64')}`);
      expect(response.status, response.text).toBe(401);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(['invalid_token', 'not_authenticated']).toContain(response.body.code);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
    });

    it('refuses an empty bearer and a bare scheme', async () => {
      for (const header of ['Bearer', 'Bearer ', 'Bearer  ', '']) {
        const response = await meWithHeader(header);
        expect(response.status, `${JSON.stringify(header)}: ${response.text}`).toBe(401);
        expect(['invalid_token', 'not_authenticated']).toContain(response.body.code);
      }
    });

    it.each(['access_token', 'token', 'jwt', 'bearer'])('ignores the valid token in ?%s= (401 not_authenticated)', async (name) => {
      const response = await server.request('GET', `${ME}?${name}=${encodeURIComponent(session.accessToken)}`);
      expect(response.status, response.text).toBe(401);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(response.body.code).toBe('not_authenticated');
      expect(response.headers.get('www-authenticate')).toBe('Bearer');
    });
  });

  describe('a second Gatehouse deployment (JWT-09)', () => {
    let foreign: TestServer;

    beforeAll(async () => {
      foreign = await startTestServer({ dialect, env: { ...ENV, AUTH_SECRET_KEY: `other-deployment-${randomBytes(24).toString('base64url')}` } });
    });
    afterAll(() => foreign.close());

    it('refuses a token the other deployment issued for a same-named user', async () => {
      expect(foreign.ctx.keyRing.signingKey().kid).not.toBe(server.ctx.keyRing.signingKey().kid);
      const twin = await registerUser(foreign, { email: victim.email, username: victim.username, password: victim.password });
      const foreignLogin = await loginAs(foreign, twin);
      expect((await foreign.request('GET', ME, { token: foreignLogin.accessToken })).status).toBe(200);
      expectTokenRefused(await me(foreignLogin.accessToken));
    });

    it("refuses the other deployment's key posing under this deployment's kid with this deployment's claims", async () => {
      const { key } = foreign.ctx.keyRing.signingKey();
      const { kid } = server.ctx.keyRing.signingKey();
      expectTokenRefused(await me(await signRaw(key, { typ: 'at+jwt', kid }, goodClaims())));
    });

    it("refuses the other deployment's key with its own kid and this deployment's claims", async () => {
      const { key, kid } = foreign.ctx.keyRing.signingKey();
      expectTokenRefused(await me(await signRaw(key, { typ: 'at+jwt', kid }, goodClaims())));
    });
  });
});
