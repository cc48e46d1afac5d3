// Mixed load (issue 6): registrations, logins, refreshes and authenticated reads from 200 connections for 60 s,
// against one instance on SQLite and against two instances sharing PostgreSQL and Redis. Passes when no answer is a
// 5xx (or a timeout or socket error) and every registration answered 201 is in the database afterwards.
//
//   node bench/mixed-load.mjs [--duration 60] [--connections 200] [--setup sqlite|cluster|both] [--no-write]
//
// Needs `npm run build`, and for the cluster set-up PostgreSQL and Redis (BENCH_DATABASE_URL, default
// postgres://postgres@127.0.0.1:5432/test; BENCH_REDIS_URL, default redis://127.0.0.1:6379). The cluster runs in a
// schema of its own, dropped afterwards. Writes its section of bench/RESULTS.md unless --no-write.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import Database from 'better-sqlite3';
import pg from 'pg';
import { percentile, ROOT, SERVER_MAIN, startGatehouse, stopGatehouse } from './lib.mjs';

const RESULTS_FILE = path.join(ROOT, 'bench/RESULTS.md');
const START = '<!-- mixed-load:start -->';
const END = '<!-- mixed-load:end -->';
const PASSWORD = 'mixed load bench passphrase';
const READS_PER_LOGIN = 6;
const READS_PER_REFRESH = 3;

const args = parseArgs(process.argv.slice(2));

function parseArgs(argv) {
  const parsed = { duration: 60, connections: 200, setup: 'both', write: true };
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i];
    const value = () => argv[++i];
    if (name === '--duration') parsed.duration = Number(value());
    else if (name === '--connections') parsed.connections = Number(value());
    else if (name === '--setup') parsed.setup = value();
    else if (name === '--no-write') parsed.write = false;
    else {
      console.error('usage: node bench/mixed-load.mjs [--duration 60] [--connections 200] [--setup sqlite|cluster|both] [--no-write]');
      process.exit(name === '--help' ? 0 : 2);
    }
  }
  if (!['sqlite', 'cluster', 'both'].includes(parsed.setup)) throw new Error('--setup is sqlite, cluster or both');
  return parsed;
}

/**
 * One connection's loop: register a new account, log in, read, refresh, read. The state (tokens, the email) lives
 * per connection; autocannon repeats the list for the whole run. Each answer is tallied by kind and status.
 */
function connectionRequests(runId, connection, tally) {
  let n = 0;
  const state = { email: '', access: '', refresh: '' };
  const json = (body) => JSON.stringify(body);
  const record = (kind) => (status, body) => {
    tally.count(kind, status);
    if (kind === 'register' && status === 201) tally.registered.push(state.email);
    if ((kind === 'login' || kind === 'refresh') && status === 200) {
      const pair = JSON.parse(body);
      state.access = pair.access_token;
      state.refresh = pair.refresh_token;
    }
  };
  const read = { method: 'GET', path: '/api/v1/auth/me', setupRequest: (request) => ({ ...request, headers: { ...request.headers, authorization: `Bearer ${state.access}` } }), onResponse: record('me') };
  return [
    {
      method: 'POST',
      path: '/api/v1/auth/register',
      setupRequest: (request) => {
        state.email = `load-${runId}-${connection}-${n++}@bench.test`;
        return { ...request, body: json({ email: state.email, password: PASSWORD }) };
      },
      onResponse: record('register'),
    },
    {
      method: 'POST',
      path: '/api/v1/auth/login',
      setupRequest: (request) => ({ ...request, body: json({ username: state.email, password: PASSWORD }) }),
      onResponse: record('login'),
    },
    ...Array.from({ length: READS_PER_LOGIN }, () => read),
    {
      method: 'POST',
      path: '/api/v1/auth/refresh',
      setupRequest: (request) => ({ ...request, body: json({ refresh_token: state.refresh }) }),
      onResponse: record('refresh'),
    },
    ...Array.from({ length: READS_PER_REFRESH }, () => read),
  ];
}

function newTally() {
  const byKind = {};
  return {
    byKind,
    registered: [],
    count(kind, status) {
      byKind[kind] ??= {};
      byKind[kind][status] = (byKind[kind][status] ?? 0) + 1;
    },
  };
}

/** Runs `connections` split evenly over the instances, all at once, for the duration. */
async function load(urls, tally) {
  const runId = randomBytes(4).toString('hex');
  const latencies = [];
  const perInstance = Math.floor(args.connections / urls.length);
  const results = await Promise.all(
    urls.map((url, index) => {
      let next = 0;
      return new Promise((resolve, reject) => {
        const instance = autocannon(
          {
            url,
            connections: perInstance,
            duration: args.duration,
            timeout: 30,
            headers: { 'content-type': 'application/json' },
            setupClient: (client) => client.setRequests(connectionRequests(runId, `${index}-${next++}`, tally)),
          },
          (error, result) => (error ? reject(error) : resolve(result)),
        );
        instance.on('response', (_client, _status, _bytes, responseTime) => latencies.push(responseTime));
      });
    }),
  );
  latencies.sort((a, b) => a - b);
  const sum = (key) => results.reduce((total, result) => total + result[key], 0);
  return {
    requests: latencies.length,
    rps: latencies.length / args.duration,
    errors: sum('errors'),
    timeouts: sum('timeouts'),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies.at(-1),
  };
}

async function missingRegistrations(emails, lookUp) {
  const found = new Set();
  for (let i = 0; i < emails.length; i += 500) for (const email of await lookUp(emails.slice(i, i + 500))) found.add(email);
  return emails.filter((email) => !found.has(email));
}

async function runSqlite() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gatehouse-mixed-'));
  const file = path.join(dir, 'gatehouse.db');
  const server = await startGatehouse({ DATA_DIR: dir, DATABASE_URL: `sqlite://${file}`, AUTH_SECRET_KEY: randomBytes(36).toString('base64url'), RATE_LIMIT_ENABLED: 'false' });
  try {
    const tally = newTally();
    console.log(`sqlite: ${args.connections} connections for ${args.duration} s against one instance …`);
    const figures = await load([server.url], tally);
    await stopGatehouse(server);
    const db = new Database(file, { readonly: true });
    const lookUp = (emails) => db.prepare(`select email from users where email in (${emails.map(() => '?').join(',')})`).pluck().all(...emails);
    const missing = await missingRegistrations(tally.registered, lookUp);
    db.close();
    return { name: 'SQLite, one instance', figures, tally, missing };
  } finally {
    await stopGatehouse(server);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function runCluster() {
  const databaseUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const schema = `bench_mixed_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  const env = {
    DATABASE_URL: `${databaseUrl}?options=-c search_path=${schema}`,
    REDIS_URL: redisUrl,
    REDIS_KEY_PREFIX: `${schema}:`,
    AUTH_SECRET_KEY: randomBytes(36).toString('base64url'),
    RATE_LIMIT_ENABLED: 'false',
  };
  const servers = [];
  try {
    // One after the other: the first runs the migrations.
    servers.push(await startGatehouse(env));
    servers.push(await startGatehouse(env));
    const tally = newTally();
    console.log(`cluster: ${args.connections} connections for ${args.duration} s against two instances on PostgreSQL + Redis …`);
    const figures = await load(
      servers.map((server) => server.url),
      tally,
    );
    await Promise.all(servers.map(stopGatehouse));
    const lookUp = async (emails) => (await admin.query(`select email from ${schema}.users where email = any($1)`, [emails])).rows.map((row) => row.email);
    const missing = await missingRegistrations(tally.registered, lookUp);
    return { name: 'PostgreSQL + Redis, two instances', figures, tally, missing };
  } finally {
    await Promise.all(servers.map(stopGatehouse));
    await admin.query(`drop schema if exists ${schema} cascade`);
    await admin.end();
  }
}

function serverErrors(tally) {
  let count = 0;
  for (const statuses of Object.values(tally.byKind)) for (const [status, n] of Object.entries(statuses)) if (Number(status) >= 500) count += n;
  return count;
}

function section(outcomes) {
  const fmt = (value) => (value === undefined ? '-' : value.toFixed(1));
  const lines = [
    START,
    '## Mixed load (`bench/mixed-load.mjs`)',
    '',
    `Generated on ${new Date().toISOString()}: ${os.cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${os.availableParallelism()} cores, Node ${process.version};`,
    `${args.connections} connections for ${args.duration} s, the client on the same machine. Each connection loops: register, log in,`,
    `${READS_PER_LOGIN} × GET /auth/me, refresh, ${READS_PER_REFRESH} × GET /auth/me (default argon2id, rate limits off: one client IP).`,
    'Passes with no 5xx, timeout or socket error, and every 201 registration found in the database afterwards.',
    '',
    '| set-up | requests | req/s | p50 ms | p99 ms | max ms | registrations (201) | logins (200) | refreshes (200) | reads (200) | 5xx | errors + timeouts | lost registrations | result |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const { name, figures, tally, missing } of outcomes) {
    const ok = (kind, status) => tally.byKind[kind]?.[status] ?? 0;
    const fivexx = serverErrors(tally);
    const pass = fivexx === 0 && figures.errors + figures.timeouts === 0 && missing.length === 0;
    lines.push(
      `| ${name} | ${figures.requests} | ${fmt(figures.rps)} | ${fmt(figures.p50)} | ${fmt(figures.p99)} | ${fmt(figures.max)} | ${ok('register', 201)} | ${ok('login', 200)} | ${ok('refresh', 200)} | ${ok('me', 200)} | ${fivexx} | ${figures.errors + figures.timeouts} | ${missing.length} | ${pass ? 'PASS' : 'FAIL'} |`,
    );
  }
  lines.push('', 'Statuses by kind of request:', '');
  for (const { name, tally } of outcomes) lines.push(`- ${name}: \`${JSON.stringify(tally.byKind)}\``);
  lines.push(END);
  return lines.join('\n');
}

function writeSection(text) {
  const current = existsSync(RESULTS_FILE) ? readFileSync(RESULTS_FILE, 'utf8') : '# Benchmark results\n';
  const start = current.indexOf(START);
  const end = current.indexOf(END);
  const next = start >= 0 && end > start ? current.slice(0, start) + text + current.slice(end + END.length) : `${current.trimEnd()}\n\n${text}\n`;
  writeFileSync(RESULTS_FILE, next);
}

if (!existsSync(SERVER_MAIN)) {
  console.error(`${SERVER_MAIN} is missing: run \`npm run build\` first`);
  process.exit(2);
}
const outcomes = [];
if (args.setup !== 'cluster') outcomes.push(await runSqlite());
if (args.setup !== 'sqlite') outcomes.push(await runCluster());
const text = section(outcomes);
console.log(`\n${text}`);
if (args.write) writeSection(text);
const failed = outcomes.some(({ tally, figures, missing }) => serverErrors(tally) > 0 || figures.errors + figures.timeouts > 0 || missing.length > 0);
process.exit(failed ? 1 : 0);
