import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import type { TestServer } from './test-server.js';
import { GOOD_PASSWORD, type LoggedIn, loginAs, uniqueEmail } from './users.js';

export type Role = 'admin' | 'user' | 'guest';

export interface ManagedUser {
  readonly id: string;
  readonly email: string;
  readonly username: string;
  readonly password: string;
  readonly role: Role;
}

/** Creates a user through POST /users as the given admin and checks it worked. */
export async function createUser(server: Pick<TestServer, 'request'>, adminToken: string, role: Role = 'user'): Promise<ManagedUser> {
  const email = uniqueEmail(role);
  const username = `${role}_${randomBytes(4).toString('hex')}`;
  const response = await server.request('POST', '/api/v1/users', {
    token: adminToken,
    json: { email, username, password: GOOD_PASSWORD, role, is_verified: true },
  });
  expect(response.status, response.text).toBe(201);
  return { id: response.body.id, email, username, password: GOOD_PASSWORD, role };
}

/** A user created by the admin and logged in. */
export async function createAndLogin(server: TestServer, adminToken: string, role: Role = 'user'): Promise<ManagedUser & LoggedIn> {
  const user = await createUser(server, adminToken, role);
  return { ...user, ...(await loginAs(server, user)) };
}

/** A well-formed UUIDv7 that no user has. */
export function unknownUserId(): string {
  return `01900000-0000-7000-8000-${randomBytes(6).toString('hex')}`;
}

/** The ids of the admins who could still act (active, not suspended), straight from the database. */
export async function activeAdminIds(server: TestServer): Promise<string[]> {
  const rows = await server.database.db
    .selectFrom('users')
    .select('id')
    .where('role', '=', 'admin')
    .where('is_active', '=', 1)
    .where('is_suspended', '=', 0)
    .orderBy('id')
    .execute();
  return rows.map((row) => row.id);
}

/** Settings that make the server create this admin at start (ADMIN_EMAIL / ADMIN_PASSWORD). */
export function bootstrapAdmin(admin: { readonly email: string; readonly password: string }): Record<string, string> {
  return { ADMIN_EMAIL: admin.email, ADMIN_PASSWORD: admin.password };
}

/** Logs the bootstrap admin in and learns its id. */
export async function loginAdmin(server: TestServer, admin: { readonly email: string; readonly password: string }): Promise<LoggedIn & { readonly id: string }> {
  const session = await loginAs(server, admin);
  const me = await server.request('GET', '/api/v1/users/me', { token: session.accessToken });
  expect(me.status, me.text).toBe(200);
  return { ...session, id: me.body.id };
}
