import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../../../packages/server/test/helpers/databases.js';
import { startTestServer, type TestServer } from '../../../packages/server/test/helpers/test-server.js';
import { type NotesApi, startNotesApi } from './helpers/notes-api.js';
import { GATEHOUSE_ENV, type NotesUser, registeredUser } from './helpers/users.js';

/** Bad input is a 4xx problem document, never a 500, and unknown fields are refused rather than dropped. */
describeEachDatabase('notes API: bad input', (dialect) => {
  let gatehouse: TestServer;
  let notes: NotesApi;
  let user: NotesUser;

  beforeAll(async () => {
    gatehouse = await startTestServer({ dialect, env: GATEHOUSE_ENV });
    notes = await startNotesApi(gatehouse, dialect);
    user = await registeredUser(gatehouse);
  });

  afterAll(async () => {
    await notes?.close();
    await gatehouse?.close();
  });

  const post = (path: string, json: unknown) => notes.request('POST', path, { token: user.token, json });

  it('refuses unknown body fields with 422 (an owner_id cannot be smuggled in)', async () => {
    const response = await post('/api/documents', { title: 'mine', owner_id: 'someone-else' });
    expect(response.status).toBe(422);
    expect(response.body.code).toBe('validation_failed');
    expect(response.body.errors).toEqual([{ path: '/owner_id', message: 'Unknown field; remove it' }]);
  });

  it('refuses wrong types, blank and missing fields with 422 instead of coercing them', async () => {
    for (const json of [{ title: 123 }, { title: '   ' }, {}]) {
      const response = await post('/api/chats', json);
      expect(response.status, JSON.stringify(json)).toBe(422);
      expect(response.body.code).toBe('validation_failed');
    }
    const empty = await notes.request('PATCH', '/api/documents/x', { token: user.token, json: {} });
    expect(empty.status).toBe(422);
  });

  it('answers 400 to malformed JSON and 415 to another content type', async () => {
    const malformed = await notes.request('POST', '/api/tags', { token: user.token, raw: '{"name":', headers: { 'content-type': 'application/json' } });
    expect(malformed.status).toBe(400);
    expect(malformed.body.code).toBe('bad_request');
    const text = await notes.request('POST', '/api/tags', { token: user.token, raw: 'name=x', headers: { 'content-type': 'text/csv' } });
    expect(text.status).toBe(415);
    expect(text.body.code).toBe('unsupported_media_type');
  });

  it('refuses a limit outside 1–100 and a cursor it did not hand out', async () => {
    for (const query of ['limit=0', 'limit=101', 'limit=abc']) {
      const response = await notes.request('GET', `/api/documents?${query}`, { token: user.token });
      expect(response.status, query).toBe(422);
      expect(response.body.code).toBe('validation_failed');
    }
    const cursor = await notes.request('GET', '/api/chats?cursor=bm90LWFuLWlk', { token: user.token });
    expect(cursor.status).toBe(422);
    expect(cursor.body.code).toBe('invalid_cursor');
  });

  it('answers 404 problem documents to unknown routes', async () => {
    const response = await notes.request('GET', '/api/nothing-here', { token: user.token });
    expect(response.status).toBe(404);
    expect(response.body.code).toBe('not_found');
  });
});
