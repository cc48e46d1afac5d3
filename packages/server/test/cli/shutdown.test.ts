import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GOOD_PASSWORD, uniqueEmail } from '../helpers/users.js';
import { unusedPort } from '../helpers/ports.js';

// The built server, started as in production (`npm start` runs dist/main.js, `gatehouse serve` the CLI).
const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
const CLI = fileURLToPath(new URL('../../dist/cli/index.js', import.meta.url));
const IN_FLIGHT = 6;

interface LogLine {
  readonly msg?: string;
  readonly reqId?: string;
  readonly req?: { method: string; url: string };
  readonly res?: { statusCode: number };
}

interface ServerProcess {
  readonly child: ChildProcess;
  readonly port: number;
  readonly url: string;
  /** Every JSON log line written so far, in the order the server wrote them. */
  readonly logs: LogLine[];
  readonly output: () => string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const running: ServerProcess[] = [];
const dataDirs: string[] = [];

beforeAll(() => {
  for (const file of [MAIN, CLI]) if (!existsSync(file)) throw new Error(`${file} is missing: build first (npm run build, or npm test which builds)`);
});

afterEach(() => {
  for (const server of running.splice(0)) if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
  for (const dir of dataDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function startServer(args: string[]): Promise<ServerProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-shutdown-'));
  dataDirs.push(dataDir);
  const port = await unusedPort();
  const child = spawn(process.execPath, args, {
    cwd: dataDir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ENVIRONMENT: 'test',
      AUTH_SECRET_KEY: randomBytes(32).toString('base64url'),
      DATA_DIR: dataDir,
      DATABASE_URL: `sqlite:${join(dataDir, 'x.db')}`,
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'info',
      // Four times the default cost (~80 ms a hash here) so that the logins are surely still hashing when the
      // signal lands, even on a busy two-core machine where it reaches the server a few hundred ms late.
      ARGON2_TIME_COST: '8',
    },
  });
  const logs: LogLine[] = [];
  let output = '';
  let partial = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk;
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) if (line.startsWith('{')) logs.push(JSON.parse(line) as LogLine);
  });
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const server: ServerProcess = { child, port, url: `http://127.0.0.1:${port}`, logs, output: () => output, exited };
  running.push(server);
  await waitUntilHealthy(server);
  return server;
}

/** Polls /health every 50 ms for at most 10 s; fails at once if the process dies. */
async function waitUntilHealthy(server: ServerProcess): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (server.child.exitCode !== null) throw new Error(`the server exited during start:\n${server.output()}`);
    const healthy = await fetch(`${server.url}/health`).then(
      (response) => response.ok,
      () => false,
    );
    if (healthy) return;
    await delay(50);
  }
  throw new Error(`the server did not answer /health within 10 s:\n${server.output()}`);
}

/** Resolves once the server has logged `count` requests matching the predicate; bounded, polled every 5 ms. */
async function waitForLogs(server: ServerProcess, predicate: (line: LogLine) => boolean, count: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (server.logs.filter(predicate).length < count) {
    if (Date.now() > deadline) throw new Error(`expected ${count} matching log lines:\n${server.output()}`);
    await delay(5);
  }
}

async function exitWithin(server: ServerProcess, ms: number) {
  const timeout = delay(ms).then(() => {
    throw new Error(`the server was still running ${ms} ms after the signal:\n${server.output()}`);
  });
  return Promise.race([server.exited, timeout]);
}

function connectionRefused(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

describe('graceful shutdown', () => {
  it.each([
    { signal: 'SIGTERM' as const, entry: 'dist/main.js', args: [MAIN] },
    { signal: 'SIGINT' as const, entry: 'dist/main.js', args: [MAIN] },
    { signal: 'SIGTERM' as const, entry: 'gatehouse serve', args: [CLI, 'serve'] },
  ])('$signal to $entry finishes the logins in flight, exits 0 and refuses new connections', async ({ signal, args }) => {
    const server = await startServer(args);
    const email = uniqueEmail('drain');
    const registered = await fetch(`${server.url}/api/v1/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: GOOD_PASSWORD }),
    });
    expect(registered.status).toBe(201);

    const isLogin = (line: LogLine) => line.msg === 'incoming request' && line.req?.url === '/api/v1/auth/login';
    const logins = Array.from({ length: IN_FLIGHT }, () =>
      fetch(`${server.url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: email, password: GOOD_PASSWORD }),
      }).then(async (response) => ({ status: response.status, body: (await response.json()) as { access_token?: string } })),
    );
    // Signal as soon as the server has received all of them, so that none is still on its way.
    await waitForLogs(server, isLogin, IN_FLIGHT);
    server.child.kill(signal);

    const results = await Promise.all(logins);
    for (const result of results) {
      expect(result.status).toBe(200);
      expect(result.body.access_token).toEqual(expect.any(String));
    }
    expect(await exitWithin(server, 5000)).toEqual({ code: 0, signal: null });

    // The logins really were in flight: at least one finished after the server began to shut down.
    const loginIds = new Set(server.logs.filter(isLogin).map((line) => line.reqId));
    const shutdownAt = server.logs.findIndex((line) => line.msg?.startsWith('shutting down'));
    const lastLoginDone = server.logs.findLastIndex((line) => line.msg === 'request completed' && loginIds.has(line.reqId));
    expect(shutdownAt).toBeGreaterThan(-1);
    expect(lastLoginDone).toBeGreaterThan(shutdownAt);

    expect(await connectionRefused(server.port)).toBe('ECONNREFUSED');
  });
});
