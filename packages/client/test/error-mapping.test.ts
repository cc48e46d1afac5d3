import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatehouseClient, GatehouseError, isGatehouseError } from '../src/index.js';
import { clientOf, describeEachDatabase, GOOD_PASSWORD, NO_LIMITS, registerUser, startTestServer, type TestServer } from './helpers/gatehouse.js';

async function failure(promise: Promise<unknown>): Promise<GatehouseError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(GatehouseError);
  return error as GatehouseError;
}

describeEachDatabase('errors carry the server’s problem document', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ dialect, env: { ...NO_LIMITS, LOCKOUT_THRESHOLD: '2' } });
  });
  afterAll(() => server.close());

  it('409 email_taken with its detail', async () => {
    const user = await registerUser(server);
    const error = await failure(clientOf(server).register({ email: user.email.toUpperCase(), password: GOOD_PASSWORD }));
    expect(error).toMatchObject({ status: 409, code: 'email_taken', detail: 'A user with this email already exists' });
    expect(error.message).toBe(error.detail);
    expect(isGatehouseError(error, 'email_taken')).toBe(true);
    expect(isGatehouseError(error, 'username_taken')).toBe(false);
  });

  it('422 validation_failed with the failing fields', async () => {
    const error = await failure(clientOf(server).register({ email: 'short-password@example.com', password: 'short' }));
    expect(error).toMatchObject({ status: 422, code: 'validation_failed' });
    expect(error.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path: '/password', message: expect.any(String) })]));
  });

  it('429 account_locked with retryAfter in seconds, after too many failed logins', async () => {
    const user = await registerUser(server);
    const client = clientOf(server);
    const wrong = { username: user.email, password: 'not the password at all' };
    for (let attempt = 0; attempt < 2; attempt++) {
      expect(await failure(client.login(wrong))).toMatchObject({ status: 401, code: 'invalid_credentials' });
    }
    const locked = await failure(client.login({ username: user.email, password: user.password }));
    expect(locked).toMatchObject({ status: 429, code: 'account_locked' });
    expect(locked.retryAfter).toBeGreaterThan(0);
    expect(await client.tokens()).toBeNull();
  });

  it('401 not_authenticated when signed out', async () => {
    expect(await failure(clientOf(server).me())).toMatchObject({ status: 401, code: 'not_authenticated' });
  });
});

describe('errors without an answer', () => {
  it('network_error, status 0, when the server cannot be reached', async () => {
    const server = await startTestServer({ env: NO_LIMITS });
    const url = server.url;
    await server.close();
    const error = await failure(createGatehouseClient({ baseUrl: url }).register({ email: 'nobody@example.com', password: GOOD_PASSWORD }));
    expect(error).toMatchObject({ status: 0, code: 'network_error' });
    expect(error.cause).toBeInstanceOf(Error);
  });
});
