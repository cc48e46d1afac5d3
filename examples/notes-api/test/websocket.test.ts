import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../../../packages/server/test/helpers/databases.js';
import { startTestServer, type TestServer } from '../../../packages/server/test/helpers/test-server.js';
import { type NotesApi, startNotesApi } from './helpers/notes-api.js';
import { GATEHOUSE_ENV, type NotesUser, registeredUser } from './helpers/users.js';

/** GET /ws streams the caller's own new messages, authenticated by @gatehouse/verify's upgrade helper. */
describeEachDatabase('notes API: WebSocket', (dialect) => {
  let gatehouse: TestServer;
  let notes: NotesApi;
  let a: NotesUser;
  let b: NotesUser;

  beforeAll(async () => {
    gatehouse = await startTestServer({ dialect, env: GATEHOUSE_ENV });
    notes = await startNotesApi(gatehouse, dialect);
    a = await registeredUser(gatehouse);
    b = await registeredUser(gatehouse);
  });

  afterAll(async () => {
    await notes?.close();
    await gatehouse?.close();
  });

  async function chatOf(user: NotesUser): Promise<string> {
    const response = await notes.request('POST', '/api/chats', { token: user.token, json: { title: 'live' } });
    expect(response.status).toBe(201);
    return response.body.id;
  }

  async function post(user: NotesUser, chatId: string, body: string): Promise<void> {
    expect((await notes.request('POST', `/api/chats/${chatId}/messages`, { token: user.token, json: { body } })).status).toBe(201);
  }

  it('sends A the messages of A’s chats and never B’s', async () => {
    const aChat = await chatOf(a);
    const bChat = await chatOf(b);
    const aSocket = notes.socket(`token=${a.token}`);
    const bSocket = notes.socket('', { authorization: `Bearer ${b.token}` });
    try {
      expect(await aSocket.outcome()).toBe('hello');
      expect(aSocket.messages[0]).toEqual({ type: 'hello', user_id: a.id });
      expect(await bSocket.outcome()).toBe('hello');

      // B's message is published before A's; had it been sent to A's socket, it would have arrived there first.
      await post(b, bChat, 'for B only');
      await post(a, aChat, 'for A');
      const received = await aSocket.message((message) => message.type === 'message.created');
      expect(received.message).toMatchObject({ chat_id: aChat, owner_id: a.id, body: 'for A' });
      expect(aSocket.messages.filter((message) => message.type === 'message.created')).toHaveLength(1);
      expect((await bSocket.message((message) => message.type === 'message.created')).message.body).toBe('for B only');
    } finally {
      aSocket.raw.close();
      bSocket.raw.close();
    }
  });

  it('closes with 1008 and the reason when the token is bad or missing', async () => {
    const [header, , signature] = a.token.split('.');
    const payload = JSON.parse(Buffer.from(a.token.split('.')[1] ?? '', 'base64url').toString());
    const forged = `${header}.${Buffer.from(JSON.stringify({ ...payload, sub: b.id })).toString('base64url')}.${signature}`;
    expect(await notes.socket(`token=${forged}`).outcome()).toBe('1008 invalid_token');
    expect(await notes.socket('token=garbage').outcome()).toBe('1008 invalid_token');
    expect(await notes.socket('').outcome()).toBe('1008 not_authenticated');
  });
});
