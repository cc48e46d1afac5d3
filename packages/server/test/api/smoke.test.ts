import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../helpers/databases.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { loginAs, registerUser } from '../helpers/users.js';

describeEachDatabase('smoke', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ dialect });
  });
  afterAll(() => server.close());

  it('registers, logs in and answers /auth/me', async () => {
    const user = await registerUser(server);
    const session = await loginAs(server, user);
    const me = await server.request('GET', '/api/v1/auth/me', { token: session.accessToken });
    expect(me.status).toBe(200);
    expect(me.body.email).toBe(user.email);
  });
});
