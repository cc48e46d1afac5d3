import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import type { Config } from '../../src/config/config.js';
import { loadConfig } from '../../src/config/load-config.js';
import { createDatabase, type Database } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import type { RoutePolicy } from '../../src/http/route-policies.js';
import type { DomainContext } from '../../src/domain/context.js';
import { connectRedis } from '../../src/store/redis-client.js';
import { FrozenClock } from './clock.js';
import { startSmtpServer, type TestSmtpServer } from './smtp.js';
import { createTestDatabase, type Dialect, type TestDatabase } from './databases.js';

export interface HttpResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are whatever the server sent
  readonly body: any;
}

export interface RequestOptions {
  readonly json?: unknown;
  /** Sent as application/x-www-form-urlencoded. */
  readonly form?: Record<string, string>;
  /** Sent as is (with the content type given in headers). */
  readonly raw?: string | Buffer;
  readonly token?: string;
  readonly headers?: Record<string, string>;
}

export interface TestServer {
  readonly url: string;
  readonly app: FastifyInstance;
  readonly ctx: DomainContext;
  readonly config: Config;
  readonly clock: FrozenClock;
  readonly database: Database;
  /** Who may call each route, as the route table declares it. */
  readonly routes: readonly RoutePolicy[];
  /** Every log line the server wrote. */
  readonly logs: string[];
  request(method: string, path: string, options?: RequestOptions): Promise<HttpResponse>;
  close(): Promise<void>;
}

export interface TestServerOptions {
  readonly dialect?: Dialect;
  readonly env?: Record<string, string>;
  readonly clock?: FrozenClock;
  /** Reuse a database (for example to restart a server on it); it is then not dropped on close. */
  readonly database?: TestDatabase;
}

/** A real Gatehouse listening on an ephemeral loopback port, on a fresh database, with a frozen clock. */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const testDatabase = options.database ?? (await createTestDatabase(options.dialect ?? 'sqlite'));
  try {
    return await start(testDatabase, options);
  } catch (error) {
    if (!options.database) await testDatabase.drop();
    throw error;
  }
}

async function start(testDatabase: TestDatabase, options: TestServerOptions): Promise<TestServer> {
  const loaded = loadConfig({
    env: {
      ENVIRONMENT: 'test',
      AUTH_SECRET_KEY: testDatabase.secret,
      DATA_DIR: testDatabase.dataDir,
      LOG_LEVEL: 'info',
      PUBLIC_URL: 'http://gatehouse.test',
      // Test files run in parallel against one Redis: each server keeps its keys and channels to itself.
      REDIS_KEY_PREFIX: `test-${randomBytes(6).toString('hex')}:`,
      ...options.env,
    },
    dotenv: false,
  });
  const config: Config = { ...loaded.config, database: testDatabase.target };
  const database = createDatabase(config.database);
  await migrateToLatest(database);
  const clock = options.clock ?? new FrozenClock();
  const logs: string[] = [];
  const logStream = new Writable({
    write(chunk, _encoding, done) {
      logs.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  const redis = config.redisUrl ? await connectRedis(config.redisUrl) : undefined;
  const { app, ctx, routes } = await buildApp(config, { database, clock, logStream, ...(redis && { redisPing: redis.ping, redis: redis.client }) });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

  return {
    url,
    app,
    ctx,
    config,
    clock,
    database,
    routes,
    logs,
    request: (method, path, requestOptions) => send(url, method, path, requestOptions),
    async close() {
      await app.close();
      await database.close();
      redis?.close();
      if (!options.database) await testDatabase.drop();
    },
  };
}

export async function send(baseUrl: string, method: string, path: string, options: RequestOptions = {}): Promise<HttpResponse> {
  const headers: Record<string, string> = { ...options.headers };
  let body: string | Buffer | undefined;
  if (options.json !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = JSON.stringify(options.json);
  } else if (options.form) {
    headers['content-type'] ??= 'application/x-www-form-urlencoded';
    body = new URLSearchParams(options.form).toString();
  } else if (options.raw !== undefined) {
    body = options.raw;
  }
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const response = await fetch(baseUrl + path, { method, headers, body });
  const text = await response.text();
  let parsed: unknown = text;
  if ((response.headers.get('content-type') ?? '').includes('json') && text !== '') parsed = JSON.parse(text);
  return { status: response.status, headers: response.headers, text, body: parsed };
}

export interface MailingTestServer {
  readonly server: TestServer;
  readonly smtp: TestSmtpServer;
  close(): Promise<void>;
}

/** A test server that sends its mail to a real SMTP server started for it (SMTP_URL set accordingly). */
export async function startMailingServer(options: TestServerOptions = {}): Promise<MailingTestServer> {
  const smtp = await startSmtpServer();
  const server = await startTestServer({ ...options, env: { ...options.env, SMTP_URL: smtp.url } }).catch(async (error: unknown) => {
    await smtp.close();
    throw error;
  });
  return {
    server,
    smtp,
    async close() {
      await server.close();
      await smtp.close();
    },
  };
}
