import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VerifyError } from '../src/index.js';
import { countingFetch, introspectionKey, signIn, startGatehouse, type TestServer, verifierFor } from './helpers/gatehouse.js';

/**
 * `verifier.introspect` against the server's RFC 7662 endpoint: instant revocation, paid for with one request per
 * call, while plain `verify` keeps accepting a revoked session's token until it expires (the README's trade-off).
 */

const INTROSPECT = '/api/v1/auth/introspect';

describe('introspection', () => {
  let server: TestServer;
  let apiKey: string;

  beforeAll(async () => {
    server = await startGatehouse();
    apiKey = await introspectionKey(server);
  });
  afterAll(() => server.close());

  it('yields the caller the server describes', async () => {
    const account = await signIn(server, 'admin');
    const verifier = verifierFor(server, { introspection: { apiKey } });
    expect(await verifier.introspect(account.accessToken)).toEqual({
      userId: account.id,
      sessionId: account.sessionId,
      role: 'admin',
      scopes: ['read', 'write', 'admin'],
    });
  });

  it('reports a revoked session at once, while plain verify accepts the token until it expires', async () => {
    const account = await signIn(server, 'user');
    const verifier = verifierFor(server, { introspection: { apiKey } });
    await verifier.introspect(account.accessToken);
    expect((await server.request('POST', '/api/v1/auth/logout', { token: account.accessToken })).status).toBe(200);

    await expect(verifier.introspect(account.accessToken)).rejects.toMatchObject({ code: 'session_revoked', status: 401 });
    await expect(verifier.verify(account.accessToken)).resolves.toMatchObject({ userId: account.id });

    const msUntilExpiry = (decodeJwt(account.accessToken).exp as number) * 1000 - server.clock.now();
    await expect(verifierFor(server, { offsetMs: msUntilExpiry + 31_000 }).verify(account.accessToken)).rejects.toMatchObject({ code: 'token_expired' });
  });

  it('refuses forged and expired tokens locally, without asking the server', async () => {
    const account = await signIn(server, 'user');
    const fetches = countingFetch();
    const verifier = verifierFor(server, { introspection: { apiKey }, fetch: fetches.fetch });
    const [header, , signature] = account.accessToken.split('.');
    const forged = `${header}.${Buffer.from(JSON.stringify({ ...decodeJwt(account.accessToken), role: 'admin' })).toString('base64url')}.${signature}`;
    await expect(verifier.introspect(forged)).rejects.toMatchObject({ code: 'invalid_token' });
    const msUntilExpiry = (decodeJwt(account.accessToken).exp as number) * 1000 - server.clock.now();
    const later = verifierFor(server, { introspection: { apiKey }, fetch: fetches.fetch, offsetMs: msUntilExpiry + 31_000 });
    await expect(later.introspect(account.accessToken)).rejects.toMatchObject({ code: 'token_expired' });
    expect(fetches.count(INTROSPECT)).toBe(0);
  });

  it('fails closed (invalid_token, the reason kept in `cause`) when the key may not introspect', async () => {
    const account = await signIn(server, 'user');
    const response = await server.request('POST', '/api/v1/auth/api-keys', { token: account.accessToken, json: { name: 'wrong', scopes: ['read'] } });
    const verifier = verifierFor(server, { introspection: { apiKey: response.body.key } });
    const error = await verifier.introspect(account.accessToken).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(VerifyError);
    expect((error as VerifyError).code).toBe('invalid_token');
    expect(String((error as VerifyError).cause)).toContain('403');
  });

  it('needs the introspection option (a configuration error, not a refused caller)', async () => {
    const account = await signIn(server, 'user');
    await expect(verifierFor(server).introspect(account.accessToken)).rejects.toThrow(TypeError);
  });
});
