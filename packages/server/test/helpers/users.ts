import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import type { TestServer } from './test-server.js';

/** Every field of a User answer (API.md "Objects"): no more, so no hash or counter can leak. */
export const USER_FIELDS = [
  'created_at',
  'display_name',
  'email',
  'id',
  'is_active',
  'is_superuser',
  'is_suspended',
  'is_verified',
  'last_login_at',
  'role',
  'updated_at',
  'username',
];

/** An administrator's view of a user (GET/PATCH /users/{id}, GET /users) adds the per-user rate limits and usage. */
export const ADMIN_USER_FIELDS = [
  ...USER_FIELDS,
  'last_seen_at',
  'rate_limit_per_day',
  'rate_limit_per_hour',
  'rate_limit_per_minute',
  'total_requests',
].sort();

export const GOOD_PASSWORD = 'correct horse battery staple';

export interface TestUser {
  readonly id: string;
  readonly email: string;
  readonly username: string;
  readonly password: string;
}

export interface LoggedIn {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly sessionId: string;
}

export function uniqueEmail(prefix = 'user'): string {
  return `${prefix}-${randomBytes(4).toString('hex')}@example.com`;
}

/** Registers a user over HTTP and checks it worked. */
export async function registerUser(
  server: TestServer,
  overrides: Partial<{ email: string; username: string; password: string }> = {},
): Promise<TestUser> {
  const email = overrides.email ?? uniqueEmail();
  const username = overrides.username ?? `u_${randomBytes(4).toString('hex')}`;
  const password = overrides.password ?? GOOD_PASSWORD;
  const response = await server.request('POST', '/api/v1/auth/register', { json: { email, username, password } });
  expect(response.status, response.text).toBe(201);
  return { id: response.body.id, email: email.toLowerCase(), username, password };
}

export async function loginAs(server: Pick<TestServer, 'request'>, user: { email: string; password: string }, deviceName?: string): Promise<LoggedIn> {
  const response = await server.request('POST', '/api/v1/auth/login', {
    json: { username: user.email, password: user.password, ...(deviceName && { device_name: deviceName }) },
  });
  expect(response.status, response.text).toBe(200);
  return { accessToken: response.body.access_token, refreshToken: response.body.refresh_token, sessionId: response.body.session_id };
}
