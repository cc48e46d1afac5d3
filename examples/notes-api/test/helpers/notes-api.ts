import type { FastifyInstance } from 'fastify';
import { createTestDatabase, type Dialect, type TestDatabase } from '../../../../packages/server/test/helpers/databases.js';
import { type HttpResponse, type RequestOptions, send, type TestServer } from '../../../../packages/server/test/helpers/test-server.js';
import { openSocket, type TestSocket } from '../../../../packages/server/test/helpers/websocket.js';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';

export interface NotesApi {
  readonly url: string;
  readonly app: FastifyInstance;
  request(method: string, path: string, options?: RequestOptions): Promise<HttpResponse>;
  /** A WebSocket on `GET /ws?<query>`, recording what it receives. */
  socket(query: string, headers?: Record<string, string>): TestSocket;
  close(): Promise<void>;
}

export interface NotesApiOptions {
  /** The notes API's clock; by default the Gatehouse test server's frozen clock, so both agree on the time. */
  readonly now?: () => number;
  /** An API key with scope `introspect`: the notes API then asks Gatehouse about every token. */
  readonly introspectionKey?: string;
}

/**
 * The notes API, built with buildApp and listening on an ephemeral port, trusting the given Gatehouse: issuer
 * `http://gatehouse.test` (the test server's PUBLIC_URL), keys fetched from where that server really listens.
 * Its own data lives in a fresh SQLite file or PostgreSQL schema of the given dialect.
 */
export async function startNotesApi(gatehouse: TestServer, dialect: Dialect, options: NotesApiOptions = {}): Promise<NotesApi> {
  const database: TestDatabase = await createTestDatabase(dialect);
  const loaded = loadConfig({
    GATEHOUSE_URL: gatehouse.config.publicUrl,
    GATEHOUSE_JWKS_URL: `${gatehouse.url}/.well-known/jwks.json`,
    PORT: '0',
    ...(options.introspectionKey && {
      GATEHOUSE_INTROSPECT_KEY: options.introspectionKey,
      GATEHOUSE_INTROSPECT_URL: `${gatehouse.url}/api/v1/auth/introspect`,
    }),
  });
  const app = await buildApp({ ...loaded, database: database.target }, { now: options.now ?? (() => gatehouse.clock.now()) }).catch(
    async (error: unknown) => {
      await database.drop();
      throw error;
    },
  );
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    url,
    app,
    request: (method, path, requestOptions) => send(url, method, path, requestOptions),
    // openSocket only reads the server's url.
    socket: (query, headers) => openSocket({ url } as TestServer, query, headers),
    async close() {
      await app.close();
      await database.drop();
    },
  };
}
