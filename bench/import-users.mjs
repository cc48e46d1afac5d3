// Imports generated users through `gatehouse user import` into a fresh SQLite file and reports rows/s and peak RSS
// (see bench/README.md, "User import").
//
//   node bench/import-users.mjs                 # 1,000,000 users
//   node bench/import-users.mjs --count 200000
//
// Writes an NDJSON file of Gatehouse export records (half carrying one precomputed bcrypt hash, half one argon2id
// hash: imports carry hashes, they never compute them), runs the built CLI (packages/server/dist) on it as an
// operator would, reads the CLI's summary (rows/s, and its own peak RSS from process.resourceUsage().maxRSS) and
// rewrites its section of bench/RESULTS.md.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Algorithm, hash as argon2Hash } from '@node-rs/argon2';
import { hash as bcryptHash } from '@node-rs/bcrypt';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(ROOT, 'packages/server/dist/cli/index.js');
const RESULTS = path.join(ROOT, 'bench/RESULTS.md');
const TARGET_RATE = 20_000;
const TARGET_RSS_MB = 300;

const countArg = process.argv.indexOf('--count');
const count = countArg > 0 ? Number(process.argv[countArg + 1]) : 1_000_000;

function uuid(i) {
  const hex = i.toString(16).padStart(12, '0');
  return `0192f000-0000-4000-8000-${hex}`;
}

async function writeUsers(file) {
  const hashes = [await bcryptHash('bench password 1', { cost: 10 }), await argon2Hash('bench password 1', { algorithm: Algorithm.Argon2id })];
  const out = createWriteStream(file);
  const created = Date.parse('2024-01-01T00:00:00Z');
  for (let i = 0; i < count; i++) {
    const line = JSON.stringify({
      id: uuid(i),
      email: `user${i}@example.com`,
      username: `user_${i}`,
      display_name: `User Number ${i}`,
      role: i % 1000 === 0 ? 'admin' : 'user',
      is_active: i % 50 !== 0,
      is_verified: i % 3 !== 0,
      is_suspended: false,
      created_at: new Date(created + i * 1000).toISOString(),
      last_login_at: null,
      password_hash: hashes[i % 2],
    });
    if (!out.write(`${line}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'close');
}

function run(args, env) {
  return new Promise((resolve, reject) => {
    // With the Node flags of the binary's shebang line, so the figures are those of `gatehouse user import`.
    const flags = /^#!.*node\s+(.*)$/m.exec(readFileSync(CLI, 'utf8').split('\n', 1)[0] ?? '')?.[1]?.split(/\s+/).filter(Boolean) ?? [];
    const child = spawn(process.execPath, [...flags, CLI, ...args], { env, cwd: env.DATA_DIR, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const dir = mkdtempSync(path.join(tmpdir(), 'gatehouse-import-bench-'));
try {
  const file = path.join(dir, 'users.ndjson');
  const generation = performance.now();
  await writeUsers(file);
  console.log(`generated ${count.toLocaleString('en-US')} users (${(statSync(file).size / 2 ** 20).toFixed(0)} MiB) in ${((performance.now() - generation) / 1000).toFixed(1)} s`);
  const env = {
    PATH: process.env.PATH ?? '',
    ENVIRONMENT: 'test',
    AUTH_SECRET_KEY: randomBytes(36).toString('base64url'),
    DATA_DIR: dir,
    DATABASE_URL: `sqlite:${path.join(dir, 'gatehouse.db')}`,
    LOG_LEVEL: 'warn',
  };
  const result = await run(['user', 'import', file, '--from', 'gatehouse'], env);
  if (result.code !== 0) throw new Error(`import failed (${result.code}):\n${result.stdout}\n${result.stderr}`);
  console.log(result.stdout.trimEnd());
  const figure = (label) => Number((new RegExp(`${label}:\\s+([\\d,.]+)`).exec(result.stdout)?.[1] ?? 'NaN').replace(/,/g, ''));
  const imported = figure('imported');
  const rate = figure('rows/s');
  const seconds = figure('time');
  const rss = figure('peak RSS');
  if (imported !== count) throw new Error(`imported ${imported} of ${count}`);

  const section = [
    '<!-- import-users:start -->',
    '## User import (`node bench/import-users.mjs`)',
    '',
    `${count.toLocaleString('en-US')} generated users (NDJSON, carried bcrypt and argon2id hashes) imported by \`gatehouse user import\``,
    `into a fresh SQLite file with the binary's Node flags, ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${os.cpus().length} cores.`,
    '',
    '| target | measured | result |',
    '| --- | --- | --- |',
    `| ≥ ${TARGET_RATE.toLocaleString('en-US')} rows/s | ${rate.toLocaleString('en-US')} rows/s (${seconds} s) | ${rate >= TARGET_RATE ? 'PASS' : 'FAIL'} |`,
    `| peak RSS < ${TARGET_RSS_MB} MB | ${rss} MB | ${rss < TARGET_RSS_MB ? 'PASS' : 'FAIL'} |`,
    '<!-- import-users:end -->',
  ].join('\n');
  const current = readFileSync(RESULTS, 'utf8');
  const pattern = /<!-- import-users:start -->[\s\S]*?<!-- import-users:end -->/;
  writeFileSync(RESULTS, pattern.test(current) ? current.replace(pattern, section) : `${current.trimEnd()}\n\n${section}\n`);
  console.log(`rows/s ${rate} (target ≥ ${TARGET_RATE}), peak RSS ${rss} MB (target < ${TARGET_RSS_MB}); bench/RESULTS.md updated`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
