import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { cliEnv } from '../helpers/cli.js';
import type { TestDatabase } from '../helpers/databases.js';
import { unusedPort } from '../helpers/ports.js';
import { describeWithRedis } from '../helpers/redis.js';
import { type HttpResponse, type RequestOptions, send } from '../helpers/test-server.js';

// The built server, started as in production: one process per instance.
const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

export const ADMIN = { email: 'root@example.com', password: 'correct horse battery staple admin' };

/** A Gatehouse server process. */
export interface Instance {
  readonly name: string;
  readonly url: string;
  request(method: string, path: string, options?: RequestOptions): Promise<HttpResponse>;
  output(): string;
  kill(): void;
}

/**
 * Runs a suite that needs the real PostgreSQL and Redis. A missing TEST_DATABASE_URL fails (as a missing
 * TEST_REDIS_URL does in describeWithRedis), never skips: outside CI, vitest.config.ts leaves these files out when
 * either variable is missing, and says so.
 */
export function describeWithPostgresAndRedis(name: string, suite: (redisUrl: string) => void): void {
  describeWithRedis(name, (redisUrl) => {
    if (process.env.TEST_DATABASE_URL) suite(redisUrl);
    else {
      it('needs TEST_DATABASE_URL', () => {
        throw new Error('TEST_DATABASE_URL is not set: the multi-instance suites must run, not skip');
      });
    }
  });
}

/**
 * What every instance of one deployment shares: the database (a PostgreSQL schema), its secret, Redis and one
 * REDIS_KEY_PREFIX (random, as test files run in parallel against one Redis). The CLI takes the same.
 */
export function deploymentEnv(database: TestDatabase, redisUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...cliEnv(database),
    PUBLIC_URL: 'http://gatehouse.test',
    REDIS_URL: redisUrl,
    REDIS_KEY_PREFIX: `test-${randomBytes(6).toString('hex')}:`,
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    ARGON2_MEMORY_KIB: '1024',
    ARGON2_TIME_COST: '1',
    RATE_LIMIT_ENABLED: 'false',
    LOG_LEVEL: 'warn',
    ...extra,
  };
}

/** Starts `node dist/main.js` on a free port and waits for /health; the caller kills it (afterAll). */
export async function startInstance(name: string, env: Record<string, string>, running: Instance[]): Promise<Instance> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: build first (npm run build, or npm test which builds)`);
  const port = await unusedPort();
  const child: ChildProcess = spawn(process.execPath, [MAIN], {
    cwd: env.DATA_DIR,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...env, HOST: '127.0.0.1', PORT: String(port) },
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk));
  const url = `http://127.0.0.1:${port}`;
  const instance: Instance = {
    name,
    url,
    request: (method, path, options) => send(url, method, path, options),
    output: () => output,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
  running.push(instance);
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`instance ${name} exited during start:\n${output}`);
    const healthy = await fetch(`${url}/health`).then(
      (response) => response.ok,
      () => false,
    );
    if (healthy) return instance;
    if (Date.now() > deadline) throw new Error(`instance ${name} did not answer /health within 20 s:\n${output}`);
    await delay(50);
  }
}

/**
 * Polls (every 10 ms) until `request` answers with `expected` (a status, or a test of the answer), for at most `ms`;
 * returns that answer. A cross-instance effect must show within this bound: nothing sleeps and then asserts.
 */
export async function answersWithin(
  ms: number,
  expected: number | ((response: HttpResponse) => boolean),
  request: () => Promise<HttpResponse>,
): Promise<HttpResponse> {
  const matches = typeof expected === 'number' ? (response: HttpResponse) => response.status === expected : expected;
  const deadline = Date.now() + ms;
  for (;;) {
    const response = await request();
    if (matches(response)) return response;
    if (Date.now() > deadline) expect.fail(`no expected answer within ${ms} ms, still ${response.status}: ${response.text}`);
    await delay(10);
  }
}

