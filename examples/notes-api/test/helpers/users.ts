import { loginAs, registerUser, type TestUser } from '../../../../packages/server/test/helpers/users.js';
import type { TestServer } from '../../../../packages/server/test/helpers/test-server.js';

export interface NotesUser extends TestUser {
  readonly token: string;
}

/** A user registered through Gatehouse's public API and logged in. */
export async function registeredUser(gatehouse: TestServer): Promise<NotesUser> {
  const user = await registerUser(gatehouse);
  return { ...user, token: (await loginAs(gatehouse, user)).accessToken };
}

/** Settings every Gatehouse in these tests starts with: limits would only slow the suites down. */
export const GATEHOUSE_ENV = { RATE_LIMIT_ENABLED: 'false', LOCKOUT_ENABLED: 'false' };
