import { afterAll, beforeAll, expect, it } from 'vitest';
import { rotateSigningKey } from '../../../packages/server/src/domain/tokens/signing-keys.js';
import { describeEachDatabase } from '../../../packages/server/test/helpers/databases.js';
import { startTestServer, type TestServer } from '../../../packages/server/test/helpers/test-server.js';
import { loginAs } from '../../../packages/server/test/helpers/users.js';
import { type NotesApi, startNotesApi } from './helpers/notes-api.js';
import { GATEHOUSE_ENV, type NotesUser, registeredUser } from './helpers/users.js';

const ACCESS_TOKEN_LIFETIME_MS = 30 * 60_000;

const part = (token: string, index: number) => JSON.parse(Buffer.from(token.split('.')[index] ?? '', 'base64url').toString());
const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

describeEachDatabase('notes API: only valid Gatehouse tokens get in', (dialect) => {
  let gatehouse: TestServer;
  let notes: NotesApi;
  let user: NotesUser;
  let other: NotesUser;

  beforeAll(async () => {
    gatehouse = await startTestServer({ dialect, env: GATEHOUSE_ENV });
    notes = await startNotesApi(gatehouse, dialect);
    user = await registeredUser(gatehouse);
    other = await registeredUser(gatehouse);
  });

  afterAll(async () => {
    await notes?.close();
    await gatehouse?.close();
  });

  it('answers 401 not_authenticated without a token, on every kind of route', async () => {
    for (const [method, path] of [
      ['GET', '/api/chats'],
      ['POST', '/api/documents'],
      ['GET', '/api/tags'],
      ['GET', `/api/admin/users/${user.id}/documents`],
    ] as const) {
      const response = await notes.request(method, path, method === 'POST' ? { json: { title: 'x' } } : {});
      expect(response.status, `${method} ${path}`).toBe(401);
      expect(response.body.code).toBe('not_authenticated');
      expect(response.headers.get('www-authenticate')).toBe('Bearer');
    }
  });

  it('answers 401 invalid_token to a token whose claims were changed (another user’s id under the original signature)', async () => {
    const [header, , signature] = user.token.split('.');
    const forged = `${header}.${encode({ ...part(user.token, 1), sub: other.id })}.${signature}`;
    const response = await notes.request('GET', '/api/chats', { token: forged });
    expect(response.status).toBe(401);
    expect(response.body.code).toBe('invalid_token');
    expect(response.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
  });

  it('answers 401 invalid_token to an unsigned token (alg none) and to garbage', async () => {
    const unsigned = `${encode({ alg: 'none', typ: 'at+jwt' })}.${encode(part(user.token, 1))}.`;
    for (const token of [unsigned, 'not-a-jwt']) {
      const response = await notes.request('GET', '/api/chats', { token });
      expect(response.status).toBe(401);
      expect(response.body.code).toBe('invalid_token');
    }
  });

  it('answers 401 token_expired once the token has outlived its lifetime', async () => {
    const later = await startNotesApi(gatehouse, dialect, { now: () => gatehouse.clock.now() + ACCESS_TOKEN_LIFETIME_MS + 60_000 });
    try {
      const response = await later.request('GET', '/api/chats', { token: user.token });
      expect(response.status).toBe(401);
      expect(response.body.code).toBe('token_expired');
      expect((await notes.request('GET', '/api/chats', { token: user.token })).status).toBe(200);
    } finally {
      await later.close();
    }
  });

  it('keeps accepting tokens signed before `keys rotate` and accepts those signed after, without a restart', async () => {
    const before = user.token;
    expect((await notes.request('GET', '/api/chats', { token: before })).status).toBe(200);

    // What `gatehouse keys rotate` runs, on the running server's own context.
    const newKid = await rotateSigningKey(gatehouse.ctx);
    const after = (await loginAs(gatehouse, user)).accessToken;
    expect(part(after, 0).kid).toBe(newKid);
    expect(part(before, 0).kid).not.toBe(newKid);

    // The new kid is not in the notes API's cached key set: @gatehouse/verify refetches it then and there.
    const signedAfter = await notes.request('GET', '/api/chats', { token: after });
    expect(signedAfter.status, signedAfter.text).toBe(200);
    const signedBefore = await notes.request('GET', '/api/chats', { token: before });
    expect(signedBefore.status, signedBefore.text).toBe(200);
  });
});
