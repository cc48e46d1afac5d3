import { expect } from 'vitest';
import type { HttpResponse } from './test-server.js';

/** A problem document (RFC 9457) with this status and code. */
export function expectProblem(response: HttpResponse, status: number, code: string): void {
  expect(response.status, response.text).toBe(status);
  expect(response.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
  expect(response.body).toMatchObject({ type: 'about:blank', status, code, detail: expect.any(String) });
}

/** The one answer to a wrong password or an unknown identifier, byte for byte, so neither can be told apart. */
export function expectInvalidCredentials(response: HttpResponse): void {
  expect(response.status, response.text).toBe(401);
  expect(response.headers.get('www-authenticate')).toBe('Bearer');
  expect(response.headers.get('retry-after')).toBeNull();
  expect(response.body).toEqual({
    type: 'about:blank',
    title: 'Unauthorized',
    status: 401,
    detail: 'Incorrect username or password',
    code: 'invalid_credentials',
  });
}

/** A bad, spent or expired mailed token (reset or verification): 400 `invalid_token`. */
export function expectBadToken(response: HttpResponse): void {
  expectProblem(response, 400, 'invalid_token');
}
