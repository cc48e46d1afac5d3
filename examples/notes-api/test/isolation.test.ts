import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachDatabase } from '../../../packages/server/test/helpers/databases.js';
import { startTestServer, type TestServer } from '../../../packages/server/test/helpers/test-server.js';
import { type NotesApi, startNotesApi } from './helpers/notes-api.js';
import { GATEHOUSE_ENV, type NotesUser, registeredUser } from './helpers/users.js';

/**
 * Two real Gatehouse users, A and B, each with a chat, a message, a document and a tag. Every route is tried by A on
 * B's objects: lists show only A's own, and B's objects answer 404 exactly as objects that do not exist (no 403, no
 * difference in the body), and are left untouched.
 */
describeEachDatabase('notes API: each user sees only their own data', (dialect) => {
  let gatehouse: TestServer;
  let notes: NotesApi;
  let a: NotesUser;
  let b: NotesUser;
  let bChat: { id: string };
  let bDocument: { id: string };
  let bTag: { id: string };
  const MISSING = '01900000-0000-7000-8000-000000000000';

  const as = (user: NotesUser, method: string, path: string, json?: unknown) =>
    notes.request(method, path, { token: user.token, ...(json !== undefined && { json }) });

  async function created(user: NotesUser, path: string, json: unknown) {
    const response = await as(user, 'POST', path, json);
    expect(response.status, response.text).toBe(201);
    return response.body;
  }

  /** The answer to an object of B's must be the answer to an object that does not exist. */
  async function expectHidden(method: string, path: (id: string) => string, id: string, json?: unknown) {
    const other = await as(a, method, path(id), json);
    const missing = await as(a, method, path(MISSING), json);
    expect(other.status, other.text).toBe(404);
    expect(other.body.code).toBe('not_found');
    expect(other.headers.get('content-type')).toContain('application/problem+json');
    expect(missing.status).toBe(404);
    expect(other.body).toEqual(missing.body);
  }

  beforeAll(async () => {
    gatehouse = await startTestServer({ dialect, env: GATEHOUSE_ENV });
    notes = await startNotesApi(gatehouse, dialect);
    a = await registeredUser(gatehouse);
    b = await registeredUser(gatehouse);
    await created(a, '/api/chats', { title: 'A chat' });
    bChat = await created(b, '/api/chats', { title: 'B chat' });
    await created(b, `/api/chats/${bChat.id}/messages`, { body: 'B says hello' });
    await created(a, '/api/documents', { title: 'A plan', body: 'the shared word is apricot' });
    bDocument = await created(b, '/api/documents', { title: 'B plan', body: 'the shared word is apricot; B alone says banana' });
    bTag = await created(b, '/api/tags', { name: 'work' });
  });

  afterAll(async () => {
    await notes?.close();
    await gatehouse?.close();
  });

  describe('chats and messages', () => {
    it('lists only the caller’s own chats', async () => {
      const listA = await as(a, 'GET', '/api/chats');
      expect(listA.status).toBe(200);
      expect(listA.body.items.map((chat: { title: string }) => chat.title)).toEqual(['A chat']);
      expect(listA.body.items[0].owner_id).toBe(a.id);
      const listB = await as(b, 'GET', '/api/chats');
      expect(listB.body.items.map((chat: { title: string }) => chat.title)).toEqual(['B chat']);
    });

    it('answers 404 for another user’s chat on get, rename and delete, and leaves it alone', async () => {
      await expectHidden('GET', (id) => `/api/chats/${id}`, bChat.id);
      await expectHidden('PATCH', (id) => `/api/chats/${id}`, bChat.id, { title: 'taken over' });
      await expectHidden('DELETE', (id) => `/api/chats/${id}`, bChat.id);
      const still = await as(b, 'GET', `/api/chats/${bChat.id}`);
      expect(still.status).toBe(200);
      expect(still.body.title).toBe('B chat');
    });

    it('answers 404 for another user’s chat as the parent of messages, listing or posting', async () => {
      await expectHidden('GET', (id) => `/api/chats/${id}/messages`, bChat.id);
      await expectHidden('POST', (id) => `/api/chats/${id}/messages`, bChat.id, { body: 'sneaked in' });
      const messages = await as(b, 'GET', `/api/chats/${bChat.id}/messages`);
      expect(messages.body.items.map((message: { body: string }) => message.body)).toEqual(['B says hello']);
    });

    it('lets the owner rename, post to and delete their chat', async () => {
      const chat = await created(a, '/api/chats', { title: 'scratch' });
      const renamed = await as(a, 'PATCH', `/api/chats/${chat.id}`, { title: 'renamed' });
      expect(renamed.status).toBe(200);
      expect(renamed.body.title).toBe('renamed');
      const message = await created(a, `/api/chats/${chat.id}/messages`, { body: 'note to self' });
      expect(message).toMatchObject({ chat_id: chat.id, owner_id: a.id, body: 'note to self' });
      expect((await as(a, 'DELETE', `/api/chats/${chat.id}`)).status).toBe(204);
      expect((await as(a, 'GET', `/api/chats/${chat.id}`)).status).toBe(404);
      expect((await as(a, 'GET', `/api/chats/${chat.id}/messages`)).status).toBe(404);
    });

    it('pages messages with an opaque keyset cursor', async () => {
      const chat = await created(a, '/api/chats', { title: 'long' });
      for (const body of ['one', 'two', 'three']) await created(a, `/api/chats/${chat.id}/messages`, { body });
      const first = await as(a, 'GET', `/api/chats/${chat.id}/messages?limit=2`);
      expect(first.body.items.map((message: { body: string }) => message.body)).toEqual(['one', 'two']);
      expect(first.body.next_cursor).toEqual(expect.any(String));
      const second = await as(a, 'GET', `/api/chats/${chat.id}/messages?limit=2&cursor=${first.body.next_cursor}`);
      expect(second.body.items.map((message: { body: string }) => message.body)).toEqual(['three']);
      expect(second.body.next_cursor).toBeNull();
    });
  });

  describe('documents', () => {
    it('lists only the caller’s own documents', async () => {
      const list = await as(a, 'GET', '/api/documents');
      expect(list.status).toBe(200);
      expect(list.body.items.every((document: { owner_id: string }) => document.owner_id === a.id)).toBe(true);
      expect(list.body.items.map((document: { title: string }) => document.title)).toContain('A plan');
      expect(list.body.items.map((document: { title: string }) => document.title)).not.toContain('B plan');
    });

    it('answers 404 for another user’s document on get, update and delete, and leaves it alone', async () => {
      await expectHidden('GET', (id) => `/api/documents/${id}`, bDocument.id);
      await expectHidden('PATCH', (id) => `/api/documents/${id}`, bDocument.id, { body: 'overwritten' });
      await expectHidden('DELETE', (id) => `/api/documents/${id}`, bDocument.id);
      const still = await as(b, 'GET', `/api/documents/${bDocument.id}`);
      expect(still.status).toBe(200);
      expect(still.body.body).toBe('the shared word is apricot; B alone says banana');
    });

    it('searches only the caller’s own documents', async () => {
      const shared = await as(a, 'GET', '/api/documents?q=APRICOT');
      expect(shared.status).toBe(200);
      expect(shared.body.items.map((document: { title: string }) => document.title)).toEqual(['A plan']);
      const onlyB = await as(a, 'GET', '/api/documents?q=banana');
      expect(onlyB.body.items).toEqual([]);
      const byB = await as(b, 'GET', '/api/documents?q=banana');
      expect(byB.body.items.map((document: { title: string }) => document.title)).toEqual(['B plan']);
    });

    it('treats % and _ in a search literally', async () => {
      await created(a, '/api/documents', { title: '100% sure', body: '' });
      const literal = await as(a, 'GET', `/api/documents?q=${encodeURIComponent('0% s')}`);
      expect(literal.body.items.map((document: { title: string }) => document.title)).toEqual(['100% sure']);
      const wildcard = await as(a, 'GET', `/api/documents?q=${encodeURIComponent('%')}`);
      expect(wildcard.body.items.map((document: { title: string }) => document.title)).toEqual(['100% sure']);
    });

    it('lets the owner update and delete their document', async () => {
      const document = await created(a, '/api/documents', { title: 'draft' });
      expect(document).toMatchObject({ title: 'draft', body: '', tags: [] });
      const updated = await as(a, 'PATCH', `/api/documents/${document.id}`, { body: 'final words' });
      expect(updated.status).toBe(200);
      expect(updated.body).toMatchObject({ title: 'draft', body: 'final words' });
      expect((await as(a, 'DELETE', `/api/documents/${document.id}`)).status).toBe(204);
      expect((await as(a, 'GET', `/api/documents/${document.id}`)).status).toBe(404);
    });
  });

  describe('tags', () => {
    it('allows the same name for two users, and refuses a duplicate for one user whatever its case', async () => {
      const own = await created(a, '/api/tags', { name: 'work' });
      expect(own).toMatchObject({ name: 'work', owner_id: a.id });
      const duplicate = await as(a, 'POST', '/api/tags', { name: 'WORK' });
      expect(duplicate.status, duplicate.text).toBe(409);
      expect(duplicate.body.code).toBe('tag_name_taken');
      const duplicateForB = await as(b, 'POST', '/api/tags', { name: 'Work' });
      expect(duplicateForB.status).toBe(409);
    });

    it('refuses a rename onto one of the caller’s own names, but not onto another user’s', async () => {
      const tag = await created(a, '/api/tags', { name: 'home' });
      const clash = await as(a, 'PATCH', `/api/tags/${tag.id}`, { name: 'Work' });
      expect(clash.status, clash.text).toBe(409);
      expect(clash.body.code).toBe('tag_name_taken');
      await created(b, '/api/tags', { name: 'garden' });
      const free = await as(a, 'PATCH', `/api/tags/${tag.id}`, { name: 'garden' });
      expect(free.status, free.text).toBe(200);
      expect(free.body.name).toBe('garden');
    });

    it('lists only the caller’s own tags and answers 404 for another user’s on get, rename and delete', async () => {
      const list = await as(a, 'GET', '/api/tags');
      expect(list.body.items.every((tag: { owner_id: string }) => tag.owner_id === a.id)).toBe(true);
      expect(list.body.items.map((tag: { id: string }) => tag.id)).not.toContain(bTag.id);
      await expectHidden('GET', (id) => `/api/tags/${id}`, bTag.id);
      await expectHidden('PATCH', (id) => `/api/tags/${id}`, bTag.id, { name: 'renamed' });
      await expectHidden('DELETE', (id) => `/api/tags/${id}`, bTag.id);
      expect((await as(b, 'GET', `/api/tags/${bTag.id}`)).body.name).toBe('work');
    });
  });

  describe('tags on documents', () => {
    it('attaches and detaches the caller’s own tag on the caller’s own document, and filters by it', async () => {
      const document = await created(a, '/api/documents', { title: 'tagged' });
      const tag = await created(a, '/api/tags', { name: 'tagged-one' });
      const attached = await as(a, 'PUT', `/api/documents/${document.id}/tags/${tag.id}`);
      expect(attached.status, attached.text).toBe(200);
      expect(attached.body.tags.map((t: { name: string }) => t.name)).toEqual(['tagged-one']);
      expect((await as(a, 'PUT', `/api/documents/${document.id}/tags/${tag.id}`)).status).toBe(200);
      const filtered = await as(a, 'GET', '/api/documents?tag=TAGGED-ONE');
      expect(filtered.body.items.map((d: { id: string }) => d.id)).toEqual([document.id]);
      const detached = await as(a, 'DELETE', `/api/documents/${document.id}/tags/${tag.id}`);
      expect(detached.status).toBe(200);
      expect(detached.body.tags).toEqual([]);
      expect((await as(a, 'GET', '/api/documents?tag=tagged-one')).body.items).toEqual([]);
    });

    it('answers 404 when the tag or the document is another user’s', async () => {
      const aDocument = await created(a, '/api/documents', { title: 'mine' });
      const aTag = await created(a, '/api/tags', { name: 'mine' });
      await expectHidden('PUT', (id) => `/api/documents/${aDocument.id}/tags/${id}`, bTag.id);
      await expectHidden('PUT', (id) => `/api/documents/${id}/tags/${aTag.id}`, bDocument.id);
      await expectHidden('DELETE', (id) => `/api/documents/${aDocument.id}/tags/${id}`, bTag.id);
      await expectHidden('DELETE', (id) => `/api/documents/${id}/tags/${aTag.id}`, bDocument.id);
      expect((await as(a, 'GET', `/api/documents/${aDocument.id}`)).body.tags).toEqual([]);
      expect((await as(b, 'GET', `/api/documents/${bDocument.id}`)).body.tags).toEqual([]);
    });

    it('filters by the caller’s own tag of that name, never another user’s', async () => {
      const bTagged = await created(b, '/api/documents', { title: 'B tagged' });
      const bCommon = await created(b, '/api/tags', { name: 'common' });
      expect((await as(b, 'PUT', `/api/documents/${bTagged.id}/tags/${bCommon.id}`)).status).toBe(200);
      const aTagged = await created(a, '/api/documents', { title: 'A tagged' });
      const aCommon = await created(a, '/api/tags', { name: 'common' });
      expect((await as(a, 'PUT', `/api/documents/${aTagged.id}/tags/${aCommon.id}`)).status).toBe(200);
      const filtered = await as(a, 'GET', '/api/documents?tag=common');
      expect(filtered.body.items.map((d: { id: string }) => d.id)).toEqual([aTagged.id]);
    });
  });
});
