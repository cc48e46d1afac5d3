// Gatehouse benchmark: starts Gatehouse and a bare Fastify server as child processes on loopback, drives them with
// autocannon from this process, and writes bench/RESULTS.md. Ratios matter, not absolute times.
// Expects a prior build (`npm run bench` = `npm run build && node bench/run.mjs`). See bench/README.md.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Algorithm, hash as argon2Hash, verify as argon2Verify } from '@node-rs/argon2';
import autocannon from 'autocannon';
import { freePort, HOST, percentile } from './lib.mjs';

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(BENCH_DIR, '..');
const SERVER_MAIN = path.join(ROOT, 'packages/server/dist/main.js');
const RESULTS_FILE = path.join(BENCH_DIR, 'RESULTS.md');

const WARMUP_S = 2;
const MEASURE_S = 10;
const CORES = os.availableParallelism();
const LOGIN_CONNECTIONS = 2 * CORES;
const REFRESH_CONNECTIONS = 10;
const STORM_ME_CONNECTIONS = 10;
const STORM_ME_RATE = 500;
const ARGON2_SAMPLES = 40;
const QUIET_WAIT_S = Number(process.env.BENCH_QUIET_WAIT_S ?? 60);
const QUIET_MAX_BUSY = 0.1; // of one core
const ARGON2_OPTIONS = { algorithm: Algorithm.Argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 };

const TARGETS = {
  meVsBareRps: 0.5, // me req/s ≥ 50 % of bare
  meVsBareCpu: 2, // me CPU/request ≤ 2 × bare
  meP99Ms: 10, // me p99 < 10 ms at 50 connections
  loginVsHashBound: 0.8, // login req/s ≥ 80 % of the hash-bound limit
  stormMeP99Ms: 25, // me p99 < 25 ms during the login storm
};

const CREDENTIALS = { email: 'bench@example.com', password: 'bench-Correct-Horse-42!', username: 'benchuser' };

// ---------------------------------------------------------------------------------------------------------------
// Child processes

const children = [];


// Both servers run with the node flags of `npm start` (read from the root package.json, so the bench measures
// Gatehouse as it is deployed and the bare route under the same VM settings), plus extra flags for diagnosis,
// e.g. BENCH_NODE_FLAGS=--trace-gc (then GC is summarised per scenario). Recorded in RESULTS.md.
const START_FLAGS = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts.start.match(/(?<=\s)--[\w-]+(=\S+)?/g) ?? [];
const NODE_FLAGS = [...START_FLAGS, ...(process.env.BENCH_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean)];
const GC_LINE = /(Scavenge|Mark-Compact)\b.*?MB, ([\d.]+) \//;

function startChild(name, args, env) {
  const child = spawn(process.execPath, [...NODE_FLAGS, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const entry = { name, child, output: '', exited: null, partial: '', gc: { scavenges: 0, scavengeMs: 0, markCompacts: 0, markCompactMs: 0 } };
  const keep = (chunk) => {
    const text = chunk.toString();
    entry.output = (entry.output + text).slice(-8000); // the last lines, for error messages
    const lines = (entry.partial + text).split('\n');
    entry.partial = lines.pop() ?? '';
    for (const line of lines) {
      const gc = GC_LINE.exec(line);
      if (!gc) continue;
      if (gc[1] === 'Scavenge') {
        entry.gc.scavenges++;
        entry.gc.scavengeMs += Number(gc[2]);
      } else {
        entry.gc.markCompacts++;
        entry.gc.markCompactMs += Number(gc[2]);
      }
    }
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  child.once('exit', (code, signal) => {
    entry.exited = { code, signal };
  });
  children.push(entry);
  return entry;
}

async function waitUntilUp(entry, url) {
  for (let attempt = 0; attempt < 300; attempt++) {
    if (entry.exited) throw new Error(`${entry.name} exited during startup (${JSON.stringify(entry.exited)}):\n${entry.output}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`${entry.name} did not answer ${url} within 30 s:\n${entry.output}`);
}

async function stopChildren() {
  await Promise.all(
    children.map(async (entry) => {
      if (entry.exited) return;
      entry.child.kill('SIGTERM');
      for (let i = 0; i < 50 && !entry.exited; i++) await sleep(100);
      if (!entry.exited) entry.child.kill('SIGKILL');
    }),
  );
}

function killChildrenNow() {
  for (const entry of children) if (!entry.exited) entry.child.kill('SIGKILL');
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------------------------
// CPU time of a child, from /proc/<pid>/stat (utime + stime, fields 14 and 15, in clock ticks; all threads)

let clockTicks = 100;
try {
  clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
} catch {
  // keep 100
}

function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields[0] is field 3 (state)
  return (Number(fields[11]) + Number(fields[12])) / clockTicks;
}

/** Busy and total CPU seconds of the whole machine (all cores) from /proc/stat; idle and iowait are not busy. */
function machineSeconds() {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
  const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number); // user nice system idle iowait irq softirq steal
  const total = ticks.reduce((sum, value) => sum + value, 0);
  return { busy: (total - ticks[3] - ticks[4]) / clockTicks, total: total / clockTicks };
}

function ourCpuSeconds() {
  const usage = process.cpuUsage();
  let seconds = (usage.user + usage.system) / 1e6;
  for (const entry of children) if (!entry.exited) seconds += cpuSeconds(entry.child.pid);
  return seconds;
}

/**
 * Other processes on the machine distort a benchmark this small. Waits (bounded) until the machine outside this
 * process and its children is quiet: busy < QUIET_MAX_BUSY of one core over a 2 s window.
 */
async function waitForQuiet(label) {
  let background = Number.NaN;
  for (let attempt = 0; attempt * 2 < QUIET_WAIT_S; attempt++) {
    const [machineBefore, oursBefore] = [machineSeconds(), ourCpuSeconds()];
    await sleep(2000);
    background = machineSeconds().busy - machineBefore.busy - (ourCpuSeconds() - oursBefore);
    if (background / 2 < QUIET_MAX_BUSY) {
      if (attempt > 0) console.log(' quiet');
      return background / 2;
    }
    if (attempt === 0) process.stdout.write(`  waiting for other processes to go quiet before ${label} (up to ${QUIET_WAIT_S} s) `);
    process.stdout.write('.');
  }
  console.log(` still ${fmt((100 * background) / 2, 0)} % of a core busy elsewhere; measuring anyway`);
  return background / 2;
}

// ---------------------------------------------------------------------------------------------------------------
// HTTP helpers

async function postJson(url, body, headers = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

/** One autocannon run; latencies are collected here too (float ms, every response) for sub-millisecond percentiles. */
function cannon(options) {
  return new Promise((resolve, reject) => {
    const latencies = [];
    const instance = autocannon({ timeout: 10, ...options }, (error, result) => {
      if (error) reject(error);
      else resolve({ result, latencies });
    });
    instance.on('response', (_client, _status, _bytes, responseTime) => latencies.push(responseTime));
  });
}


/** Warm up, then measure; with `pid`, also the child's CPU time during the measured window. */
async function scenario(name, options, { pid, warmup = true, quiet = true } = {}) {
  if (quiet) await waitForQuiet(name);
  if (warmup) await cannon({ ...options, duration: WARMUP_S });
  const cpuBefore = pid ? cpuSeconds(pid) : 0;
  const server = children.find((entry) => entry.child.pid === pid);
  const gcBefore = server && { ...server.gc };
  const benchCpuBefore = process.cpuUsage();
  const [machineBefore, oursBefore] = [machineSeconds(), ourCpuSeconds()];
  const started = process.hrtime.bigint();
  const { result, latencies } = await cannon({ ...options, duration: MEASURE_S });
  const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = pid ? cpuSeconds(pid) - cpuBefore : undefined;
  const benchCpu = process.cpuUsage(benchCpuBefore);
  for (const entry of children) {
    if (entry.exited) throw new Error(`${entry.name} exited during "${name}" (${JSON.stringify(entry.exited)}):\n${entry.output}`);
  }
  const background = machineSeconds().busy - machineBefore.busy - (ourCpuSeconds() - oursBefore);
  const summary = summarize(name, options, result, latencies, { cpu, wallSeconds, benchCpu, background });
  if (server && NODE_FLAGS.includes('--trace-gc')) {
    await sleep(200); // let the last trace lines arrive
    const scavenges = server.gc.scavenges - gcBefore.scavenges;
    const markCompacts = server.gc.markCompacts - gcBefore.markCompacts;
    summary.gc =
      `${scavenges} scavenges, avg ${fmt((server.gc.scavengeMs - gcBefore.scavengeMs) / scavenges, 2)} ms; ` +
      `${markCompacts} mark-compacts, avg ${fmt((server.gc.markCompactMs - gcBefore.markCompactMs) / markCompacts, 2)} ms`;
  }
  return summary;
}

function summarize(name, options, result, latencies, { cpu, wallSeconds, benchCpu, background }) {
  const sorted = Float64Array.from(latencies).sort();
  const total = result.requests.total;
  return {
    name,
    connections: options.connections,
    rate: options.overallRate,
    rps: result.requests.average,
    total,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes: result.statusCodeStats,
    serverCpuUsPerReq: cpu === undefined || total === 0 ? undefined : (cpu * 1e6) / total,
    serverCpuPercent: cpu === undefined ? undefined : (100 * cpu) / wallSeconds,
    benchCpuPercent: benchCpu ? (100 * (benchCpu.user + benchCpu.system)) / 1e6 / wallSeconds : undefined,
    backgroundPercent: (100 * Math.max(0, background)) / wallSeconds,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// argon2id verify cost, measured here in the bench process (servers idle)

async function measureArgon2() {
  const password = 'bench-argon2-password';
  const stored = await argon2Hash(password, ARGON2_OPTIONS);
  await argon2Verify(stored, password); // first call pays for setup
  const times = [];
  for (let i = 0; i < ARGON2_SAMPLES; i++) {
    const start = process.hrtime.bigint();
    const ok = await argon2Verify(stored, password);
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
    if (!ok) throw new Error('argon2 verify returned false');
  }
  times.sort((a, b) => a - b);
  const medianMs = (times[(times.length - 1) >> 1] + times[times.length >> 1]) / 2;
  // For comparison only (the limit is defined from the sequential median): verifies/s with one call per core in flight.
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CORES }, async () => {
      for (let i = 0; i < ARGON2_SAMPLES / 2; i++) await argon2Verify(stored, password);
    }),
  );
  const parallelPerSecond = (CORES * (ARGON2_SAMPLES / 2)) / (Number(process.hrtime.bigint() - started) / 1e9);
  return { medianMs, minMs: times[0], maxMs: times[times.length - 1], limit: CORES / (medianMs / 1000), parallelPerSecond };
}

// ---------------------------------------------------------------------------------------------------------------
// Main

async function main() {
  if (!existsSync(SERVER_MAIN)) throw new Error(`${SERVER_MAIN} is missing: run \`npm run build\` first (or \`npm run bench\`).`);
  tmpDir = mkdtempSync(path.join(os.tmpdir(), 'gatehouse-bench-'));
  try {
    await run(tmpDir);
  } finally {
    await stopChildren();
    removeTmpDir();
  }
}

let tmpDir;
function removeTmpDir() {
  if (tmpDir) rmSync(tmpDir, { recursive: true, force: true });
  tmpDir = undefined;
}

async function run(tmp) {
  const [gatehousePort, barePort] = [await freePort(), await freePort()];
  const gatehouse = startChild('gatehouse', [SERVER_MAIN], {
    PATH: process.env.PATH ?? '',
    PORT: String(gatehousePort),
    HOST,
    ENVIRONMENT: 'test',
    AUTH_SECRET_KEY: randomBytes(36).toString('base64url'), // 48 characters
    DATA_DIR: tmp,
    DATABASE_URL: `sqlite:${tmp}/bench.db`,
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
    // Throughput is what is measured: a handful of clients would be limited within seconds (API.md "Rate limits").
    RATE_LIMIT_ENABLED: 'false',
  });
  const bare = startChild('bare-fastify', [path.join(BENCH_DIR, 'bare-server.mjs'), String(barePort)], { PATH: process.env.PATH ?? '' });
  const api = `http://${HOST}:${gatehousePort}/api/v1`;
  const bareUrl = `http://${HOST}:${barePort}/user`;
  await Promise.all([waitUntilUp(gatehouse, `http://${HOST}:${gatehousePort}/health`), waitUntilUp(bare, bareUrl)]);
  console.log(`gatehouse pid ${gatehouse.child.pid} on ${gatehousePort}, bare fastify pid ${bare.child.pid} on ${barePort}`);

  // A user and an access token
  const registered = await postJson(`${api}/auth/register`, CREDENTIALS);
  if (registered.status !== 201) throw new Error(`register answered ${registered.status}: ${JSON.stringify(registered.body)}`);
  const loginBody = { username: CREDENTIALS.email, password: CREDENTIALS.password };
  const logIn = async () => {
    const response = await postJson(`${api}/auth/login`, loginBody);
    if (response.status !== 200) throw new Error(`login answered ${response.status}: ${JSON.stringify(response.body)}`);
    return response.body;
  };
  const { access_token: accessToken } = await logIn();
  const me = await fetch(`${api}/auth/me`, { headers: { authorization: `Bearer ${accessToken}` } });
  if (me.status !== 200) throw new Error(`/auth/me answered ${me.status}`);
  await me.arrayBuffer();

  await waitForQuiet('the argon2 measurement');
  console.log(`measuring argon2id verify (${ARGON2_SAMPLES} sequential calls in the bench process) …`);
  const argon2 = await measureArgon2();
  console.log(`  median ${argon2.medianMs.toFixed(1)} ms → hash-bound login limit ${argon2.limit.toFixed(1)}/s on ${CORES} cores`);

  const results = {};
  const meOptions = (connections) => ({
    url: `${api}/auth/me`,
    connections,
    headers: { authorization: `Bearer ${accessToken}` },
  });
  const loginOptions = {
    url: `${api}/auth/login`,
    method: 'POST',
    connections: LOGIN_CONNECTIONS,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(loginBody),
  };

  console.log('a. bare fastify route, 50 connections …');
  results.bare = await scenario('bare Fastify GET', { url: bareUrl, connections: 50 }, { pid: bare.child.pid });
  console.log('b. GET /auth/me, 50 connections …');
  results.me = await scenario('GET /auth/me', meOptions(50), { pid: gatehouse.child.pid });
  console.log(`c. POST /auth/login, ${LOGIN_CONNECTIONS} connections …`);
  results.login = await scenario('POST /auth/login', loginOptions, { pid: gatehouse.child.pid });

  console.log(`d. POST /auth/refresh, ${REFRESH_CONNECTIONS} connections, each chaining its own refresh token …`);
  results.refresh = await refreshScenario(api, logIn, gatehouse.child.pid);

  console.log(`e. /auth/me at ${STORM_ME_RATE} req/s during a login storm (${LOGIN_CONNECTIONS} login connections) …`);
  const stormMeOptions = { ...meOptions(STORM_ME_CONNECTIONS), overallRate: STORM_ME_RATE, ignoreCoordinatedOmission: true };
  await waitForQuiet('the login storm');
  await Promise.all([cannon({ ...loginOptions, duration: WARMUP_S }), cannon({ ...stormMeOptions, duration: WARMUP_S })]);
  const [stormLogin, stormMe] = await Promise.all([
    scenario('POST /auth/login (storm)', loginOptions, { warmup: false, quiet: false, pid: gatehouse.child.pid }),
    scenario('GET /auth/me during storm', stormMeOptions, { warmup: false, quiet: false }),
  ]);
  results.stormLogin = stormLogin;
  results.stormMe = stormMe;

  const report = buildReport(results, argon2);
  console.log(`\n${report.table}\n\n${report.checks}`);
  writeFileSync(RESULTS_FILE, report.markdown + keptSections());
  console.log(`\nwrote ${path.relative(ROOT, RESULTS_FILE)}`);
}

/** Sections other benches own (between `<!-- name:start -->` and `<!-- name:end -->`) survive a rewrite. */
function keptSections() {
  let previous;
  try {
    previous = readFileSync(RESULTS_FILE, 'utf8');
  } catch {
    return '';
  }
  const sections = previous.match(/<!-- ([\w-]+):start -->[\s\S]*?<!-- \1:end -->/g) ?? [];
  return sections.map((section) => `\n${section}\n`).join('');
}

/**
 * Refresh tokens rotate, so every connection carries its own chain: one login per connection beforehand, then each
 * request sends the connection's current refresh token and each 200 stores the successor. autocannon resets its
 * per-connection `context` whenever it loops back to the first request, so the chain lives in a per-connection
 * state object bound through setupClient/client.setRequests instead. The warm-up and the measured run share the
 * chains; a request cut off when the warm-up stops may have rotated its token unseen, and the next use of that
 * token a moment later is answered by the server's reuse grace (REFRESH_REUSE_GRACE_SECONDS, default 10 s).
 */
async function refreshScenario(api, logIn, pid) {
  const states = [];
  for (let i = 0; i < REFRESH_CONNECTIONS; i++) states.push({ token: (await logIn()).refresh_token, failures: 0, replays: 0 });
  const options = () => {
    let next = 0;
    return {
      url: `${api}/auth/refresh`,
      method: 'POST',
      connections: REFRESH_CONNECTIONS,
      headers: { 'content-type': 'application/json' },
      body: '{}', // replaced per connection below
      setupClient(client) {
        const state = states[next++ % states.length];
        client.setRequests([
          {
            method: 'POST',
            setupRequest: (request) => ({ ...request, body: JSON.stringify({ refresh_token: state.token }) }),
            onResponse: (status, body) => {
              if (status !== 200) {
                state.failures++;
                return;
              }
              const successor = JSON.parse(body).refresh_token;
              if (successor === state.last) state.replays++; // the grace answer to a replay, not a rotation
              state.token = successor;
              state.last = successor;
            },
          },
        ]);
      },
    };
  };
  const result = await scenario('POST /auth/refresh', options(), { pid });
  const sum = (key) => states.reduce((total, state) => total + state[key], 0);
  return { ...result, chainFailures: sum('failures'), chainReplays: sum('replays') };
}

// ---------------------------------------------------------------------------------------------------------------
// Report

function buildReport(results, argon2) {
  const { bare, me, login, refresh, stormLogin, stormMe } = results;
  const rpsRatio = me.rps / bare.rps;
  const cpuRatio = me.serverCpuUsPerReq / bare.serverCpuUsPerReq;
  const loginRatio = login.rps / argon2.limit;
  const stormLoginRatio = stormLogin.rps / argon2.limit;
  const pass = (ok) => (ok ? 'PASS' : 'FAIL');
  const noisy = [bare, me, login, refresh, stormLogin].filter((r) => r.backgroundPercent > 10).map((r) => r.name);

  const checks = [
    ['me req/s ≥ 50 % of bare', `${fmt(me.rps, 0)} / ${fmt(bare.rps, 0)} = ${pct(rpsRatio)}`, pass(rpsRatio >= TARGETS.meVsBareRps), ''],
    [
      'me server CPU/request ≤ 2 × bare',
      `${fmt(me.serverCpuUsPerReq, 1)} µs / ${fmt(bare.serverCpuUsPerReq, 1)} µs = ${fmt(cpuRatio, 2)} ×`,
      pass(cpuRatio <= TARGETS.meVsBareCpu),
      '',
    ],
    [
      'me p99 < 10 ms at 50 connections',
      `${fmt(me.p99, 2)} ms`,
      pass(me.p99 < TARGETS.meP99Ms),
      `bare Fastify p99 at 50 connections: ${fmt(bare.p99, 2)} ms`,
    ],
    [
      'login throughput ≥ 80 % of hash-bound limit',
      `${fmt(login.rps, 1)} / ${fmt(argon2.limit, 1)} = ${pct(loginRatio)}`,
      pass(loginRatio >= TARGETS.loginVsHashBound),
      `server CPU per login ${fmt(login.serverCpuUsPerReq / 1000, 1)} ms vs argon2 verify median ${fmt(argon2.medianMs, 1)} ms; ${CORES} verifies in flight in-process: ${fmt(argon2.parallelPerSecond, 1)}/s`,
    ],
    [
      'me p99 < 25 ms during login storm',
      `${fmt(stormMe.p99, 2)} ms`,
      pass(stormMe.p99 < TARGETS.stormMeP99Ms),
      `${fmt(stormMe.rps, 0)} me req/s served alongside ${fmt(stormLogin.rps, 1)} logins/s`,
    ],
    [
      'refresh: no non-2xx (token chains intact)',
      `${refresh.non2xx} non-2xx, ${refresh.errors} errors`,
      pass(refresh.non2xx === 0 && refresh.errors === 0),
      `${refresh.total} rotations in the measured window`,
    ],
  ];

  const rows = [bare, me, login, refresh, stormLogin, stormMe].map((r) => [
    r.name,
    r.rate ? `${r.connections} @ ${r.rate}/s` : String(r.connections),
    fmt(r.rps, r.rps < 100 ? 1 : 0),
    fmt(r.p50, 2),
    fmt(r.p99, 2),
    String(r.non2xx),
    String(r.errors),
    r.serverCpuUsPerReq === undefined ? '–' : fmt(r.serverCpuUsPerReq, r.serverCpuUsPerReq < 1000 ? 1 : 0),
    r.serverCpuPercent === undefined ? '–' : `${fmt(r.serverCpuPercent, 0)} %`,
    `${fmt(r.benchCpuPercent, 0)} %`,
    `${fmt(r.backgroundPercent, 0)} %`,
  ]);
  const header = [
    'scenario',
    'connections',
    'req/s',
    'p50 ms',
    'p99 ms',
    'non-2xx',
    'errors',
    'server CPU µs/req',
    'server CPU',
    'bench CPU',
    'other procs',
  ];
  const checkHeader = ['target', 'measured', 'result', 'context'];

  const cpu = os.cpus()[0]?.model ?? 'unknown';
  let kernel = os.release();
  try {
    kernel = execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim();
  } catch {
    // os.release() is the same thing
  }
  const logLevel = process.env.BENCH_LOG_LEVEL ?? 'warn';
  const markdown = `# Benchmark results

Generated by \`node bench/run.mjs\` (see README.md). Ratios matter; absolute numbers depend on the machine.

- Date: ${new Date().toISOString()}
- Machine: ${cpu}, ${CORES} cores (os.availableParallelism), ${fmt(os.totalmem() / 2 ** 30, 1)} GiB RAM, kernel ${kernel}
- Node ${process.version}; autocannon in the bench process; Gatehouse and bare Fastify each in their own child process
- Gatehouse: ENVIRONMENT=test, SQLite in a temp dir, LOG_LEVEL=${logLevel} (request logging at ${logLevel}, so per-request info lines are not written), default argon2id (m=19456 KiB, t=2, p=1), default libuv pool (4 threads)
- Each scenario: ${WARMUP_S} s warm-up, then ${MEASURE_S} s measured (the storm: one ${WARMUP_S} s warm-up of both loads together)

## Scenarios

${mdTable(header, rows)}

- req/s: autocannon's mean of per-second samples. p50/p99: computed from every response's latency (float ms, all status codes), send to last byte.
- server CPU µs/req: utime+stime of the server child (all its threads) from /proc/<pid>/stat over the measured window, divided by the requests completed in it; server CPU: the same as % of one core. bench CPU: CPU of the load generator (this process) as % of one core.
- other procs: CPU used during the window by processes other than the bench and its two servers (machine-wide busy time from /proc/stat minus ours), as % of one core. Before each scenario the bench waited up to ${QUIET_WAIT_S} s for this to fall below ${fmt(QUIET_MAX_BUSY * 100, 0)} %; a large value means the row was measured on a busy machine.${noisy.length ? ` **Rows measured with more than 10 % of a core busy elsewhere: ${noisy.join(', ')}.**` : ''}
- Storm rows ran at the same time: ${LOGIN_CONNECTIONS} login connections flat out, plus /auth/me on ${STORM_ME_CONNECTIONS} connections limited to ${STORM_ME_RATE} req/s overall (autocannon's rate limit is per second per connection, so /auth/me comes in bursts at the start of each second; latencies are not coordinated-omission corrected). The storm's server CPU µs/req is over the login requests only.
- Refresh: ${REFRESH_CONNECTIONS} connections, each chaining its own refresh token from its own login; ${refresh.chainFailures} responses broke a chain and ${refresh.chainReplays} returned the same successor as the response before (a replay answered by the reuse grace, not a rotation).
${NODE_FLAGS.length ? `\nBoth servers ran with extra node flags: \`${NODE_FLAGS.join(' ')}\`.\n` : ''}${
  [bare, me, login, refresh, stormLogin].some((r) => r.gc)
    ? `\nServer GC during each measured window (from --trace-gc):\n\n${[bare, me, login, refresh, stormLogin]
        .filter((r) => r.gc)
        .map((r) => `- ${r.name}: ${r.gc}`)
        .join('\n')}\n`
    : ''
}
## Hash-bound login limit

argon2id verify (m=19456 KiB, t=2, p=1), ${ARGON2_SAMPLES} sequential calls in the bench process while the servers were idle:
median ${fmt(argon2.medianMs, 1)} ms (min ${fmt(argon2.minMs, 1)}, max ${fmt(argon2.maxMs, 1)}).
Limit = ${CORES} cores / ${fmt(argon2.medianMs / 1000, 4)} s = **${fmt(argon2.limit, 1)} logins/s**.
For comparison, ${CORES} verifies kept in flight at once in the same process reached ${fmt(argon2.parallelPerSecond, 1)} verifies/s.
Login during the storm reached ${fmt(stormLogin.rps, 1)}/s (${pct(stormLoginRatio)} of the limit).

## Targets

${mdTable(checkHeader, checks)}

Note: on ${CORES} cores the load generator (autocannon, in the bench process) competes with the server for CPU, so
req/s understates what the server alone could do and the req/s ratio is pulled towards 1; server CPU per request is
reported because it does not depend on how much CPU the load generator took.
`;

  return { table: textTable(header, rows), checks: textTable(checkHeader, checks), markdown };
}

function fmt(value, digits) {
  return value === undefined || Number.isNaN(value) ? '–' : value.toFixed(digits);
}

function pct(ratio) {
  return `${(ratio * 100).toFixed(0)} %`;
}

function mdTable(header, rows) {
  const widths = header.map((h, i) => Math.max(3, h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function textTable(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

// ---------------------------------------------------------------------------------------------------------------

process.once('SIGINT', () => {
  killChildrenNow();
  setTimeout(() => {
    removeTmpDir(); // after the children are gone, so SQLite no longer writes into it
    process.exit(130);
  }, 200);
});
process.once('exit', killChildrenNow);

main().then(
  () => process.exit(0),
  async (error) => {
    console.error(error);
    await stopChildren();
    process.exit(1);
  },
);
