import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachDatabase } from '../helpers/databases.js';
import { expectInvalidCredentials, expectProblem } from '../helpers/problems.js';
import { type HttpResponse, type RequestOptions, startTestServer, type TestServer } from '../helpers/test-server.js';
import { ADMIN_USER_FIELDS, GOOD_PASSWORD, loginAs, registerUser, uniqueEmail } from '../helpers/users.js';

/**
 * The admin user directory, GET /api/v1/users (API.md "Users and administration", "List parameters"): search by
 * `q` (3+ characters anywhere in email, username or display name; 1–2 at the start of email or username), filters
 * by role and status (locked from the lockout counters), six sort orders, keyset cursors that are signed and bound
 * to their query, and `total` for the filtered set (exact up to 1,000 matches, and beyond for what the database
 * counts itself).
 */

const USERS = '/api/v1/users';
const MINUTE = 60_000;
const ADMIN = { email: 'directory-admin@example.com', password: 'directory suite admin passphrase' };
// Rate limits are another suite's subject, and a frozen clock never moves their windows.
const ENV = { RATE_LIMIT_ENABLED: 'false', ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password };
const SORTS = ['-created_at', 'created_at', 'email', '-email', 'last_login_at', '-last_login_at'] as const;
const STATUSES = ['active', 'suspended', 'inactive', 'unverified', 'locked'] as const;

interface Listed {
  readonly id: string;
  readonly email: string | null;
  readonly username: string | null;
  readonly display_name: string | null;
  readonly role: string;
  readonly is_active: boolean;
  readonly is_verified: boolean;
  readonly is_suspended: boolean;
  readonly created_at: string;
  readonly last_login_at: string | null;
}

interface Person {
  readonly email?: string;
  readonly username?: string;
  readonly display_name?: string;
  readonly role?: 'admin' | 'user' | 'guest';
  readonly is_verified?: boolean;
}

// Names chosen so each search below has one right answer: `%`, `_` and `\` next to near misses, accents and
// scripts whose case folds, a user with no email, quotes (FTS5 syntax), an emoji.
const PEOPLE: Record<string, Person> = {
  ada: { email: 'ada.lovelace@analytical.example', username: 'ada_l', display_name: 'Ada Lovelace', role: 'admin', is_verified: true },
  grace: { email: 'grace.hopper@navy.example', username: 'amazing_grace', display_name: 'Grace Hopper', is_verified: true },
  alan: { email: 'alan.turing@bletchley.example', username: 'alan', display_name: 'Alan Turing', role: 'guest' },
  zoe: { email: 'zoe.unal@example.org', username: 'zoe-u', display_name: 'Zoë Ünal', is_verified: true },
  percent: { email: 'sale@shop.example', username: 'shopkeeper', display_name: '100% Real', is_verified: true },
  hundred: { email: 'hundred@shop.example', username: 'hundred_real', display_name: '100 Real' },
  under: { email: 'under@score.example', username: 'ab_cd', display_name: 'Under Score' },
  nounder: { email: 'nounder@score.example', username: 'abxcd', display_name: 'No Underscore' },
  slash: { email: 'slash@back.example', username: 'backslash', display_name: 'Back\\Slash' },
  nameless: { username: 'Nameless_Wonder', display_name: 'Nobody' },
  emoji: { email: 'emoji@example.org', username: 'emoji_fan', display_name: 'Fan 🎉 of 🦄 things', role: 'guest' },
  quote: { email: 'quote@example.org', username: 'quoter', display_name: 'Say "hi" there' },
  twin1: { email: 'twin.one@example.org', username: 'twin_one' },
  twin2: { email: 'twin.two@example.org', username: 'twin_two' },
};

function get(server: TestServer, query: Record<string, string | number>, options: RequestOptions = {}): Promise<HttpResponse> {
  const search = new URLSearchParams(Object.entries(query).map(([name, value]): [string, string] => [name, String(value)]));
  return server.request('GET', `${USERS}${search.size > 0 ? `?${search}` : ''}`, options);
}

/** Every page of a query, following next_cursor; checks that each page repeats the first page's total. */
async function walk(server: TestServer, token: string, query: Record<string, string | number>, between?: () => Promise<void>) {
  const items: Listed[] = [];
  let first: HttpResponse | undefined;
  let cursor: string | null = null;
  do {
    const response = await get(server, { ...query, ...(cursor && { cursor }) }, { token });
    expect(response.status, response.text).toBe(200);
    first ??= response;
    expect(response.body.total).toBe(first.body.total);
    expect(response.body.total_exact).toBe(first.body.total_exact);
    expect(response.body.items.length).toBeLessThanOrEqual(Number(query.limit ?? 20));
    items.push(...response.body.items);
    cursor = response.body.next_cursor;
    if (cursor) expect(response.body.items.length).toBe(Number(query.limit ?? 20));
    await between?.();
  } while (cursor);
  return { items, total: first.body.total as number, exact: first.body.total_exact as boolean };
}

const ids = (users: readonly Listed[]) => users.map((user) => user.id);
const time = (iso: string | null) => (iso === null ? 0 : Date.parse(iso));
const byId = (a: Listed, b: Listed) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
const compare = <T>(a: T, b: T) => (a < b ? -1 : a > b ? 1 : 0);

/** What each sort promises, written independently of the server: a key per user, then the id. */
function sorted(users: readonly Listed[], sort: (typeof SORTS)[number]): Listed[] {
  const key = (user: Listed): number | string =>
    sort.endsWith('created_at') ? time(user.created_at) : sort.endsWith('email') ? (user.email ?? user.username?.toLowerCase() ?? '') : time(user.last_login_at);
  const ascending = [...users].sort((a, b) => compare(key(a), key(b)) || byId(a, b));
  return sort.startsWith('-') ? ascending.reverse() : ascending;
}

function matches(user: Listed, q: string): boolean {
  const text = q.toLowerCase();
  if ([...q].length >= 3) return [user.email, user.username, user.display_name].some((field) => field?.toLowerCase().includes(text));
  return [user.email, user.username].some((field) => field?.toLowerCase().startsWith(text));
}

describeEachDatabase('user directory', (dialect) => {
  describe('a small directory', () => {
    let server: TestServer;
    let admin: string;
    const id: Record<string, string> = {};
    /** Every user as GET /users/{id} tells it, the truth the list is checked against. */
    let everyone: Listed[];
    const locked = new Set<string>();

    async function refresh(): Promise<void> {
      everyone = [];
      for (const userId of Object.values(id)) {
        const response = await server.request('GET', `${USERS}/${userId}`, { token: admin });
        expect(response.status, response.text).toBe(200);
        everyone.push(response.body);
      }
    }

    function status(user: Listed, wanted: (typeof STATUSES)[number]): boolean {
      if (wanted === 'active') return user.is_active && !user.is_suspended;
      if (wanted === 'suspended') return user.is_suspended;
      if (wanted === 'inactive') return !user.is_active;
      if (wanted === 'unverified') return !user.is_verified;
      return locked.has(user.id);
    }

    beforeAll(async () => {
      server = await startTestServer({ dialect, env: ENV });
      admin = (await loginAs(server, ADMIN)).accessToken;
      id.admin = (await server.request('GET', '/api/v1/auth/me', { token: admin })).body.id;
      for (const [name, person] of Object.entries(PEOPLE)) {
        // The twins share a creation millisecond: their order comes from the id alone.
        if (name !== 'twin2') server.clock.advance(MINUTE);
        const response = await server.request('POST', USERS, { token: admin, json: { ...person, password: GOOD_PASSWORD } });
        expect(response.status, response.text).toBe(201);
        id[name] = response.body.id;
      }
      expectOk(await server.request('POST', `/api/v1/admin/users/${id.grace}/suspend`, { token: admin, json: { reason: 'test' } }));
      expectOk(await server.request('PATCH', `${USERS}/${id.alan}`, { token: admin, json: { is_active: false } }));
      for (const name of ['zoe', 'quote', 'percent']) {
        server.clock.advance(MINUTE);
        await loginAs(server, { email: PEOPLE[name]!.email!, password: GOOD_PASSWORD });
      }
      admin = (await loginAs(server, ADMIN)).accessToken;
      await refresh();
    });
    afterAll(() => server.close());

    function expectOk(response: HttpResponse): void {
      expect(response.status, response.text).toBe(200);
    }

    it('answers an admin with every user, newest first, each with exactly the User fields', async () => {
      const response = await get(server, {}, { token: admin });
      expect(response.status, response.text).toBe(200);
      expect(Object.keys(response.body).sort()).toEqual(['items', 'next_cursor', 'total', 'total_exact']);
      expect(response.body).toMatchObject({ next_cursor: null, total: everyone.length, total_exact: true });
      expect(ids(response.body.items)).toEqual(ids(sorted(everyone, '-created_at')));
      for (const item of response.body.items) expect(Object.keys(item).sort()).toEqual(ADMIN_USER_FIELDS);
    });

    it('sorts by each key, ties broken by id, the same across pages of every size', async () => {
      for (const sort of SORTS) {
        const expected = ids(sorted(everyone, sort));
        for (const limit of [1, 4, 100]) expect(ids((await walk(server, admin, { sort, limit })).items), `${sort} by ${limit}`).toEqual(expected);
      }
      // Sanity of the fixtures: a tie in created_at, users without logins and one without an email.
      expect(everyone.find((user) => user.id === id.twin1)?.created_at).toBe(everyone.find((user) => user.id === id.twin2)?.created_at);
      expect(everyone.filter((user) => user.last_login_at === null).length).toBeGreaterThan(2);
    });

    it('filters by role and by each status, and counts the filtered set', async () => {
      for (const role of ['admin', 'user', 'guest']) {
        const { items, total, exact } = await walk(server, admin, { role, limit: 3 });
        expect(ids(items), role).toEqual(ids(sorted(everyone.filter((user) => user.role === role), '-created_at')));
        expect([total, exact]).toEqual([items.length, true]);
      }
      for (const wanted of STATUSES.filter((name) => name !== 'locked')) {
        const { items, total } = await walk(server, admin, { status: wanted, limit: 3 });
        expect(ids(items), wanted).toEqual(ids(sorted(everyone.filter((user) => status(user, wanted)), '-created_at')));
        expect(total).toBe(items.length);
        expect(items.length, `the fixtures have ${wanted} users`).toBeGreaterThan(0);
      }
      const both = await walk(server, admin, { role: 'guest', status: 'unverified', sort: 'email' });
      expect(ids(both.items)).toEqual(ids(sorted(everyone.filter((user) => user.role === 'guest' && !user.is_verified), 'email')));
      expect(both.total).toBe(2);
    });

    it('lists the accounts the lockout refuses right now, and no longer once unlocked', async () => {
      const email = PEOPLE.hundred!.email!;
      for (let attempt = 0; attempt < 5; attempt++) {
        expectInvalidCredentials(await server.request('POST', '/api/v1/auth/login', { json: { username: email, password: 'wrong password here' } }));
      }
      // Four failures lock nothing.
      for (let attempt = 0; attempt < 4; attempt++) {
        expectInvalidCredentials(await server.request('POST', '/api/v1/auth/login', { json: { username: PEOPLE.under!.email!, password: 'wrong password here' } }));
      }
      expectProblem(await server.request('POST', '/api/v1/auth/login', { json: { username: email, password: GOOD_PASSWORD } }), 429, 'account_locked');
      locked.add(id.hundred!);
      const response = await get(server, { status: 'locked' }, { token: admin });
      expect(response.status, response.text).toBe(200);
      expect(ids(response.body.items)).toEqual([id.hundred]);
      expect(response.body.total).toBe(1);
      expect(ids((await get(server, { status: 'locked', role: 'guest' }, { token: admin })).body.items)).toEqual([]);

      expectOk(await server.request('POST', `/api/v1/admin/users/${id.hundred}/unlock`, { token: admin }));
      locked.delete(id.hundred!);
      expect((await get(server, { status: 'locked' }, { token: admin })).body).toMatchObject({ items: [], total: 0, next_cursor: null });
    });

    it('finds q of three or more characters anywhere in email, username or display name, ignoring case', async () => {
      const cases: Record<string, string[]> = {
        LOVELACE: ['ada'],
        'azing_gr': ['grace'],
        'navy.exa': ['grace'],
        'ÜNAL': ['zoe'],
        'zoë': ['zoe'],
        'SHOP.EXAMPLE': ['percent', 'hundred'],
        Wonder: ['nameless'],
        'nobody-matches-this': [],
      };
      for (const [q, names] of Object.entries(cases)) {
        const response = await get(server, { q }, { token: admin });
        expect(response.status, response.text).toBe(200);
        expect(ids(response.body.items).sort(), q).toEqual(names.map((name) => id[name]).sort());
        expect(response.body.total).toBe(names.length);
        expect(ids(response.body.items)).toEqual(ids(sorted(everyone.filter((user) => matches(user, q)), '-created_at')));
      }
    });

    it('matches one or two characters at the start of an email or username only', async () => {
      for (const q of ['al', 'A', 'na', 'tw', 'ov', 'z', 'é']) {
        const response = await get(server, { q, sort: 'email' }, { token: admin });
        expect(response.status, response.text).toBe(200);
        expect(ids(response.body.items), q).toEqual(ids(sorted(everyone.filter((user) => matches(user, q)), 'email')));
      }
      expect(ids((await get(server, { q: 'ov' }, { token: admin })).body.items)).toEqual([]);
      expect(ids((await get(server, { q: 'Na' }, { token: admin })).body.items)).toEqual([id.nameless]);
    });

    it('takes %, _ and \\ in q literally', async () => {
      const cases: Record<string, string[]> = { '0% R': ['percent'], 'b_c': ['under'], '_cd': ['under'], 'k\\S': ['slash'], '%%%': [], '___': [], '\\\\\\': [] };
      for (const [q, names] of Object.entries(cases)) {
        const response = await get(server, { q }, { token: admin });
        expect(response.status, response.text).toBe(200);
        expect(ids(response.body.items).sort(), q).toEqual(names.map((name) => id[name]).sort());
      }
    });

    it('searches odd Unicode, quotes and search-engine syntax as plain text', async () => {
      const cases: Record<string, string[]> = {
        '🎉 of': ['emoji'],
        '🦄 t': ['emoji'],
        '"hi"': ['quote'],
        'Say "': ['quote'],
        '"""': [],
        "'; drop table users; --": [],
        'NEAR(a b)': [],
        'a OR b': [],
        'e\u0301e\u0301e\u0301': [],
        '\u202eabc': [],
        '𝔘𝔫𝔦𝔠𝔬𝔡𝔢': [],
        '\ufffd\ufffd\ufffd': [],
        '\u200b\u200b\u200b': [],
        '🦄': [],
        '  LOVELACE  ': ['ada'],
      };
      for (const [q, names] of Object.entries(cases)) {
        const response = await get(server, { q }, { token: admin });
        expect(response.status, `${q}: ${response.text}`).toBe(200);
        expect(ids(response.body.items).sort(), q).toEqual(names.map((name) => id[name]).sort());
      }
      // Bytes that are not UTF-8 are decoded to U+FFFD by the query parser, never a 500.
      const invalid = await server.request('GET', `${USERS}?q=%ED%A0%80%FF%FE`, { token: admin });
      expect(invalid.status, invalid.text).toBe(200);
      expect((await get(server, { q: '   ' }, { token: admin })).body.total).toBe(everyone.length);
    });

    it('refuses control characters and overlong searches', async () => {
      for (const q of ['\u0000', 'ada\u0000', 'a\tb', 'line\nbreak', '\u007f\u007f\u007f', 'x'.repeat(321)]) {
        const response = await get(server, { q }, { token: admin });
        expectProblem(response, 422, 'validation_failed');
        expect(response.body.errors[0].path).toMatch(/q/);
      }
      expect((await get(server, { q: 'x'.repeat(320) }, { token: admin })).status).toBe(200);
    });

    it('refuses unknown sorts, roles and statuses, and limits or offsets out of range', async () => {
      const bad: Array<Record<string, string>> = [
        { sort: 'password_hash' },
        { sort: 'name' },
        { sort: '-id' },
        { sort: '' },
        { role: 'superuser' },
        { role: 'Admin' },
        { status: 'deleted' },
        { status: '' },
        { limit: '0' },
        { limit: '101' },
        { limit: '-1' },
        { limit: 'ten' },
        { limit: '1.5' },
        { skip: '-1' },
        { skip: 'x' },
        { skip: '99999999999999999999' },
        { unknown: '1' },
      ];
      for (const query of bad) expectProblem(await get(server, query, { token: admin }), 422, 'validation_failed');
      expectProblem(await server.request('GET', `${USERS}?role=admin&role=user`, { token: admin }), 422, 'validation_failed');
      for (const limit of [1, 100]) expect((await get(server, { limit }, { token: admin })).status).toBe(200);
    });

    it('is for admins only: 401 without credentials, 403 for users and guests', async () => {
      expectProblem(await get(server, {}), 401, 'not_authenticated');
      expectProblem(await get(server, {}, { token: 'not-a-token' }), 401, 'invalid_token');
      const user = await registerUser(server);
      id.newcomer = user.id;
      expectProblem(await get(server, { q: user.email }, { token: (await loginAs(server, user)).accessToken }), 403, 'forbidden');
      const guest = (await loginAs(server, { email: PEOPLE.emoji!.email!, password: GOOD_PASSWORD })).accessToken;
      expectProblem(await get(server, {}, { token: guest }), 403, 'forbidden');
      expect((await get(server, {}, { token: admin })).body.items.map((item: Listed) => item.id)).toContain(user.id);
      await refresh();
    });

    it('accepts an admin’s API key with scopes read and admin, and refuses one without admin', async () => {
      const newKey = async (scopes: string[]) => {
        const response = await server.request('POST', '/api/v1/auth/api-keys', { token: admin, json: { name: scopes.join('+'), scopes } });
        expect(response.status, response.text).toBe(201);
        return { headers: { 'x-api-key': response.body.key as string } };
      };
      const readAdmin = await get(server, { limit: 2 }, await newKey(['read', 'admin']));
      expect(readAdmin.status, readAdmin.text).toBe(200);
      expect(readAdmin.body.items).toHaveLength(2);
      expectProblem(await get(server, {}, await newKey(['read', 'write'])), 403, 'forbidden');
      expectProblem(await get(server, {}, await newKey(['write', 'admin'])), 403, 'forbidden');
    });

    it('refuses a cursor that was altered, made up, or sent with another query', async () => {
      const first = await get(server, { limit: 2, sort: 'email', q: 'example' }, { token: admin });
      const cursor: string = first.body.next_cursor;
      expect(cursor).toEqual(expect.any(String));
      expect((await get(server, { limit: 2, sort: 'email', q: 'example', cursor }, { token: admin })).status).toBe(200);

      const [payload, signature] = cursor.split('.') as [string, string];
      const state = JSON.parse(Buffer.from(payload, 'base64url').toString());
      const forged = (changed: unknown[]) => `${Buffer.from(JSON.stringify(changed)).toString('base64url')}.${signature}`;
      const flip = (text: string, at: number) => text.slice(0, at) + (text[at] === 'A' ? 'B' : 'A') + text.slice(at + 1);
      const altered = [
        forged([state[0], state[1], 5, true]),
        forged(['', '00000000-0000-0000-0000-000000000000', state[2], state[3]]),
        `${payload}.${flip(signature, 3)}`,
        `${flip(payload, 2)}.${signature}`,
        payload,
        `${cursor}.x`,
        'garbage',
        '',
      ];
      for (const bad of altered) {
        expectProblem(await get(server, { limit: 2, sort: 'email', q: 'example', cursor: bad }, { token: admin }), 422, 'validation_failed');
      }
      const others: Array<Record<string, string>> = [
        { sort: '-email', q: 'example' },
        { sort: 'email', q: 'exampl' },
        { sort: 'email', q: 'example', role: 'user' },
        { sort: 'email', q: 'example', status: 'active' },
      ];
      for (const other of others) {
        expectProblem(await get(server, { limit: 2, ...other, cursor }, { token: admin }), 422, 'validation_failed');
      }
    });

    it('pages by offset for old clients with skip', async () => {
      const all = ids(sorted(everyone, 'email'));
      const response = await get(server, { sort: 'email', skip: 3, limit: 4 }, { token: admin });
      expect(ids(response.body.items)).toEqual(all.slice(3, 7));
      expect(response.body.total).toBe(all.length);
      expect((await get(server, { skip: all.length }, { token: admin })).body).toMatchObject({ items: [], next_cursor: null, total: all.length });
      expect(ids((await get(server, { q: 'example', sort: 'email', skip: 2, limit: 2 }, { token: admin })).body.items)).toEqual(
        ids(sorted(everyone.filter((user) => matches(user, 'example')), 'email')).slice(2, 4),
      );
    });

    it('pages through everyone without a gap or a duplicate while users sign up', async () => {
      for (const sort of ['-created_at', 'created_at', 'email', '-last_login_at'] as const) {
        await refresh();
        const before = new Set(ids(everyone));
        let pages = 0;
        const { items } = await walk(server, admin, { sort, limit: 3 }, async () => {
          // Three sign-ups, at once, after each of the first pages: some sort before the cursor, some after it.
          if (++pages > 4) return;
          server.clock.advance(1_000);
          await Promise.all(['aaa', 'mmm', 'zzz'].map((start) => registerUser(server, { email: uniqueEmail(start) })));
        });
        const seen = ids(items);
        expect(new Set(seen).size, `${sort}: no duplicates`).toBe(seen.length);
        for (const userId of before) expect(seen.filter((other) => other === userId), `${sort}: ${userId} once`).toHaveLength(1);
      }
    });
  });

  describe('a directory larger than the counting cap', () => {
    const SIZE = 2_500;
    // The last 1,100 users to sign up are "Late Bloomer"s: more than the counting cap, and none among the first 1,400
    // in order of sign-up, so paging through them walks past a window without a match.
    const BLOOMERS_FROM = 1_400;
    let server: TestServer;
    let admin: string;
    let everyone: Listed[];
    let start: number;

    function row(i: number, at: number, displayName: string | null = null) {
      const domain = i % 2 === 0 ? 'even.example' : 'odd.example';
      return {
        id: `0190${String(i).padStart(4, '0')}-0000-7000-8000-${String((i * 7919) % 1_000_000).padStart(12, '0')}`,
        email: i % 10 === 9 ? null : `person${(i * 37) % SIZE}.${i}@${domain}`,
        username: `member_${i}`,
        display_name: displayName ?? (i >= BLOOMERS_FROM ? `Late Bloomer ${i}` : i % 3 === 0 ? `Member Number ${i}` : null),
        password_hash: 'not a real hash',
        role: i % 50 === 0 ? 'guest' : 'user',
        is_active: 1,
        is_verified: i % 4 === 0 ? 0 : 1,
        is_suspended: i % 100 === 0 ? 1 : 0,
        suspended_reason: null,
        suspended_until: null,
        password_changed_at: at,
        created_at: at,
        updated_at: at,
        last_login_at: i % 5 === 0 ? null : at + (i % 7) * MINUTE,
      };
    }

    /** Straight into the table: thousands of sign-ups over HTTP would spend minutes hashing passwords. */
    async function insert(rows: ReturnType<typeof row>[]): Promise<void> {
      for (let i = 0; i < rows.length; i += 100) await server.database.db.insertInto('users').values(rows.slice(i, i + 100)).execute();
    }

    beforeAll(async () => {
      server = await startTestServer({ dialect, env: ENV });
      admin = (await loginAs(server, ADMIN)).accessToken;
      start = server.clock.now() - SIZE * MINUTE;
      // Three users per minute: ties everywhere.
      await insert(Array.from({ length: SIZE }, (_, i) => row(i, start + Math.floor(i / 3) * MINUTE)));
      everyone = (await walk(server, admin, { limit: 100 })).items;
      expect(everyone).toHaveLength(SIZE + 1);
    });
    afterAll(() => server.close());

    it('counts the whole directory and single statuses exactly, and other large sets up to the cap', async () => {
      expect((await get(server, {}, { token: admin })).body).toMatchObject({ total: SIZE + 1, total_exact: true });
      const unverified = everyone.filter((user) => !user.is_verified).length;
      expect((await get(server, { status: 'unverified' }, { token: admin })).body).toMatchObject({ total: unverified, total_exact: true });
      const broad: Array<Record<string, string>> = [{ q: 'example' }, { q: 'bloomer' }, { role: 'user' }, { q: 'pe' }];
      for (const query of broad) {
        expect((await get(server, query, { token: admin })).body, JSON.stringify(query)).toMatchObject({ total: 1_000, total_exact: false });
      }
      const few = everyone.filter((user) => matches(user, 'number 1')).length;
      expect(few).toBeLessThan(1_000);
      expect((await get(server, { q: 'number 1' }, { token: admin })).body).toMatchObject({ total: few, total_exact: true });
    });

    it('pages through large and small result sets in every order, each user once', async () => {
      const queries: Array<Record<string, string>> = [
        { q: 'bloomer' },
        { q: 'odd.example' },
        { q: 'number 1' },
        { q: 'pe' },
        { q: 'm' },
        { role: 'user' },
        { status: 'active' },
        { status: 'unverified', q: 'even' },
      ];
      for (const query of queries) {
        for (const sort of SORTS) {
          const { items } = await walk(server, admin, { ...query, sort, limit: 100 });
          const expected = everyone.filter(
            (user) =>
              (query.q === undefined || matches(user, query.q)) &&
              (query.role === undefined || user.role === query.role) &&
              (query.status === undefined || (query.status === 'active' ? user.is_active && !user.is_suspended : !user.is_verified)),
          );
          expect(ids(items), `${JSON.stringify(query)} ${sort}`).toEqual(ids(sorted(expected, sort)));
        }
      }
    });

    it('walks a large result set without a gap or a duplicate while users are imported into the middle of it', async () => {
      const before = everyone.filter((user) => matches(user, 'bloomer'));
      let next = SIZE;
      const { items } = await walk(server, admin, { q: 'bloomer', sort: 'created_at', limit: 40 }, async () => {
        // Imported users, backdated to all over the range, some before the cursor and some after it.
        const imported = Array.from({ length: 5 }, (_, k) => next + k);
        next += imported.length;
        await insert(imported.map((i) => row(i, start + ((i * 7_919) % SIZE) * MINUTE, `Late Bloomer import ${i}`)));
      });
      const seen = ids(items);
      expect(new Set(seen).size).toBe(seen.length);
      for (const user of before) expect(seen.filter((other) => other === user.id), user.id).toHaveLength(1);
      expect(seen.length).toBeGreaterThan(before.length);
    });
  });
});
