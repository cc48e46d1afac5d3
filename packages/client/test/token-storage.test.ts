import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { localStorageStorage, memoryStorage, type Tokens, type TokenStorage } from '../src/index.js';
import { clientOf, MINUTE, NO_LIMITS, registerUser, startTestServer, type TestServer, type TestUser } from './helpers/gatehouse.js';

/** A store that answers only after a turn of the event loop, like a database or a device keychain. */
function asyncStore(): TokenStorage & { readonly saved: () => Tokens | null; writes: number } {
  let saved: Tokens | null = null;
  const later = () => new Promise<void>((resolve) => setImmediate(resolve));
  const store = {
    writes: 0,
    saved: () => saved,
    async get() {
      await later();
      return saved;
    },
    async set(tokens: Tokens) {
      await later();
      store.writes++;
      saved = tokens;
    },
    async clear() {
      await later();
      saved = null;
    },
  };
  return store;
}

/** The smallest Web Storage a browser would give: enough for the adapter. */
function webStorage(): Storage {
  const items = new Map<string, string>();
  return {
    get length() {
      return items.size;
    },
    key: (index) => [...items.keys()][index] ?? null,
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => void items.set(key, String(value)),
    removeItem: (key) => void items.delete(key),
    clear: () => items.clear(),
  };
}

describe('token storage', () => {
  let server: TestServer;
  let user: TestUser;
  beforeAll(async () => {
    server = await startTestServer({ env: NO_LIMITS });
    user = await registerUser(server);
  });
  afterAll(() => server.close());
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('keeps tokens in memory per client by default', async () => {
    const one = clientOf(server);
    const other = clientOf(server);
    await one.login({ username: user.email, password: user.password });
    expect(await one.tokens()).not.toBeNull();
    expect(await other.tokens()).toBeNull();
    const shared = memoryStorage();
    const first = clientOf(server, { storage: shared });
    await first.login({ username: user.email, password: user.password });
    expect((await clientOf(server, { storage: shared }).me()).id).toBe(user.id);
  });

  it('works with a custom asynchronous store: login, refresh and logout go through it, and clients sharing it agree', async () => {
    const store = asyncStore();
    const tab = clientOf(server, { storage: store });
    const otherTab = clientOf(server, { storage: store });
    await tab.login({ username: user.email, password: user.password });
    expect(store.saved()?.access_token).toEqual(expect.any(String));
    expect((await otherTab.me()).id).toBe(user.id);

    const before = store.saved();
    server.clock.advance(31 * MINUTE);
    await Promise.all([tab.me(), otherTab.me()]);
    expect(store.saved()?.refresh_token).not.toBe(before?.refresh_token);
    expect(store.writes).toBe(2); // the login and one refresh

    await otherTab.logout();
    expect(store.saved()).toBeNull();
    expect(await tab.tokens()).toBeNull();
  });

  it('localStorageStorage refuses to be created where there is no localStorage', () => {
    vi.stubGlobal('localStorage', undefined);
    expect(() => localStorageStorage()).toThrow(TypeError);
  });

  it('localStorageStorage keeps tokens under its key across clients (as across reloads) and ignores a foreign value', async () => {
    const storage = webStorage();
    vi.stubGlobal('localStorage', storage);
    const page = clientOf(server, { storage: localStorageStorage('app.tokens') });
    await page.login({ username: user.email, password: user.password });
    expect(JSON.parse(storage.getItem('app.tokens') ?? 'null')).toMatchObject({ token_type: 'bearer' });
    const reloaded = clientOf(server, { storage: localStorageStorage('app.tokens') });
    expect((await reloaded.me()).id).toBe(user.id);
    await reloaded.logout();
    expect(storage.getItem('app.tokens')).toBeNull();

    storage.setItem('app.tokens', '{not json');
    expect(await clientOf(server, { storage: localStorageStorage('app.tokens') }).tokens()).toBeNull();
  });
});
