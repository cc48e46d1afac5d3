import { decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rotateSigningKey } from '../../server/src/domain/tokens/signing-keys.js';
import { type Verifier, VerifyError } from '../src/index.js';
import { type Account, claimsFor, countingFetch, signIn, signWithServerKey, startGatehouse, type TestServer, verifierFor } from './helpers/gatehouse.js';

/**
 * The JWKS cache: keys are fetched once and reused, a rotated-in key is picked up on the first token that names it
 * (no restart), and unknown kids cause at most one refetch per cooldown. Fetches are counted with a wrapping `fetch`
 * that makes the real requests; time is the server's frozen clock, injected into the verifier.
 */

const JWKS = '/.well-known/jwks.json';
const COOLDOWN_MS = 30_000;
const MAX_AGE_MS = 10 * 60_000;

describe('JWKS cache and key rotation', () => {
  let server: TestServer;
  let verifier: Verifier;
  let fetches: ReturnType<typeof countingFetch>;
  let forger: Account;

  // The server's real key and good claims: only the kid is unknown.
  const forgedKid = (kid: string) => signWithServerKey(server, claimsFor(server, forger), { kid });

  beforeAll(async () => {
    server = await startGatehouse();
    fetches = countingFetch();
    verifier = verifierFor(server, { fetch: fetches.fetch, cooldownMs: COOLDOWN_MS, cacheMaxAgeMs: MAX_AGE_MS });
    forger = await signIn(server, 'user');
  });
  afterAll(() => server.close());

  it('fetches the keys once for concurrent first verifications, then serves them from the cache', async () => {
    const account = await signIn(server, 'user');
    await Promise.all(Array.from({ length: 10 }, () => verifier.verify(account.accessToken)));
    await verifier.verify(account.accessToken);
    expect(fetches.count(JWKS)).toBe(1);
  });

  it('verifies a token signed before `keys rotate` and one signed after, without a new verifier', async () => {
    const before = await signIn(server, 'user');
    await verifier.verify(before.accessToken);
    const fetchesBefore = fetches.count(JWKS);

    const kid = await rotateSigningKey(server.ctx); // what `gatehouse keys rotate` runs
    const after = await signIn(server, 'user');
    expect(decodeProtectedHeader(after.accessToken).kid).toBe(kid);
    expect(decodeProtectedHeader(before.accessToken).kid).not.toBe(kid);

    await expect(verifier.verify(after.accessToken)).resolves.toMatchObject({ userId: after.id });
    await expect(verifier.verify(before.accessToken)).resolves.toMatchObject({ userId: before.id });
    // The new kid cost exactly one refetch; the old key came along in the same JWKS.
    expect(fetches.count(JWKS)).toBe(fetchesBefore + 1);
  });

  it('refetches for unknown kids at most once per cooldown, however many arrive', async () => {
    server.clock.advance(COOLDOWN_MS);
    const start = fetches.count(JWKS);
    const forged = await Promise.all(Array.from({ length: 20 }, (_, i) => forgedKid(`forged-${i}`)));
    const results = await Promise.allSettled(forged.map((token) => verifier.verify(token)));
    expect(results.every((result) => result.status === 'rejected' && result.reason instanceof VerifyError)).toBe(true);
    expect(fetches.count(JWKS)).toBe(start + 1);

    await expect(verifier.verify(await forgedKid('forged-later'))).rejects.toMatchObject({ code: 'invalid_token' });
    expect(fetches.count(JWKS)).toBe(start + 1);

    server.clock.advance(COOLDOWN_MS - 1);
    await expect(verifier.verify(await forgedKid('forged-just-before'))).rejects.toMatchObject({ code: 'invalid_token' });
    expect(fetches.count(JWKS)).toBe(start + 1);

    server.clock.advance(1);
    await expect(verifier.verify(await forgedKid('forged-after-cooldown'))).rejects.toMatchObject({ code: 'invalid_token' });
    expect(fetches.count(JWKS)).toBe(start + 2);
  });

  it('refetches once the cached keys are older than cacheMaxAgeMs, even for known kids', async () => {
    const account = await signIn(server, 'user');
    await verifier.verify(account.accessToken);
    const start = fetches.count(JWKS);
    server.clock.advance(MAX_AGE_MS);
    const fresh = await signIn(server, 'user');
    await verifier.verify(fresh.accessToken);
    await verifier.verify(fresh.accessToken);
    expect(fetches.count(JWKS)).toBe(start + 1);
  });

  it('keeps verifying with the cached keys while the JWKS cannot be fetched, retrying once per cooldown', async () => {
    const account = await signIn(server, 'user');
    let reachable = true;
    let attempts = 0;
    const flaky = verifierFor(server, {
      cooldownMs: COOLDOWN_MS,
      cacheMaxAgeMs: MAX_AGE_MS,
      fetch: async (input, init) => {
        attempts += 1;
        if (!reachable) throw new TypeError('fetch failed');
        return fetch(input, init);
      },
    });
    await flaky.verify(account.accessToken);
    reachable = false;
    server.clock.advance(MAX_AGE_MS);
    const later = await signIn(server, 'user');
    await expect(flaky.verify(later.accessToken)).resolves.toMatchObject({ userId: later.id });
    await expect(flaky.verify(later.accessToken)).resolves.toMatchObject({ userId: later.id });
    expect(attempts).toBe(2);
  });

  it('refuses every token while no key set was ever fetched', async () => {
    const account = await signIn(server, 'user');
    const offline = verifierFor(server, { fetch: async () => new Response('down', { status: 503 }) });
    await expect(offline.verify(account.accessToken)).rejects.toMatchObject({ code: 'invalid_token' });
  });
});
