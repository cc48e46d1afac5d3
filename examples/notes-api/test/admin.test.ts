import { afterAll, beforeAll, expect, it } from 'vitest';
import { bootstrapAdmin, loginAdmin } from '../../../packages/server/test/helpers/admin.js';
import { describeEachDatabase } from '../../../packages/server/test/helpers/databases.js';
import { startTestServer, type TestServer } from '../../../packages/server/test/helpers/test-server.js';
import { GOOD_PASSWORD } from '../../../packages/server/test/helpers/users.js';
import { type NotesApi, startNotesApi } from './helpers/notes-api.js';
import { GATEHOUSE_ENV, type NotesUser, registeredUser } from './helpers/users.js';

/** Admins read another user's data only through the explicit admin routes; the role comes from the Gatehouse token. */
describeEachDatabase('notes API: admin routes', (dialect) => {
  const adminAccount = { email: 'root@example.com', password: GOOD_PASSWORD };
  let gatehouse: TestServer;
  let notes: NotesApi;
  let adminToken: string;
  let a: NotesUser;
  let b: NotesUser;

  beforeAll(async () => {
    gatehouse = await startTestServer({ dialect, env: { ...GATEHOUSE_ENV, ...bootstrapAdmin(adminAccount) } });
    notes = await startNotesApi(gatehouse, dialect);
    adminToken = (await loginAdmin(gatehouse, adminAccount)).accessToken;
    a = await registeredUser(gatehouse);
    b = await registeredUser(gatehouse);
    for (const [user, title] of [
      [a, 'A document'],
      [b, 'B document'],
    ] as const) {
      expect((await notes.request('POST', '/api/documents', { token: user.token, json: { title } })).status).toBe(201);
      expect((await notes.request('POST', '/api/chats', { token: user.token, json: { title: `${title} chat` } })).status).toBe(201);
    }
  });

  afterAll(async () => {
    await notes?.close();
    await gatehouse?.close();
  });

  it('lets an admin read one user’s documents and chats, and only that user’s', async () => {
    const documents = await notes.request('GET', `/api/admin/users/${a.id}/documents`, { token: adminToken });
    expect(documents.status, documents.text).toBe(200);
    expect(documents.body.items.map((document: { title: string; owner_id: string }) => [document.title, document.owner_id])).toEqual([
      ['A document', a.id],
    ]);
    const chats = await notes.request('GET', `/api/admin/users/${b.id}/chats`, { token: adminToken });
    expect(chats.body.items.map((chat: { title: string }) => chat.title)).toEqual(['B document chat']);
  });

  it('gives the admin no reach into other users’ data through the ordinary routes', async () => {
    const own = await notes.request('GET', '/api/documents', { token: adminToken });
    expect(own.status).toBe(200);
    expect(own.body.items).toEqual([]);
    const aDocumentId = (await notes.request('GET', '/api/documents', { token: a.token })).body.items[0].id;
    expect((await notes.request('GET', `/api/documents/${aDocumentId}`, { token: adminToken })).status).toBe(404);
  });

  it('answers 403 forbidden to a user on the admin routes, even for their own id', async () => {
    for (const path of [`/api/admin/users/${b.id}/documents`, `/api/admin/users/${a.id}/chats`]) {
      const response = await notes.request('GET', path, { token: a.token });
      expect(response.status, path).toBe(403);
      expect(response.body.code).toBe('forbidden');
    }
  });
});
