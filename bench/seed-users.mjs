// Fills a Gatehouse database with many realistic users, fast, for bench/users-list.mjs (see bench/README.md).
//
//   node bench/seed-users.mjs --database-url sqlite:///tmp/bench-users.db --count 1000000
//   node bench/seed-users.mjs --database-url 'postgres://postgres@127.0.0.1:5432/test?options=-c search_path=bench_users' --count 1000000
//
// Runs the built server's migrations first (packages/server/dist), then inserts with batched multi-row INSERTs
// straight into `users`, so the database's own triggers (search index, user counts) run as they would for sign-ups.
// Every user has the same precomputed argon2id hash. Deterministic: the same --seed gives the same users.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Algorithm, hash as argon2Hash } from '@node-rs/argon2';
import Database from 'better-sqlite3';
import pg from 'pg';
import { v7 as uuidv7 } from 'uuid';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIST = path.join(ROOT, 'packages/server/dist');

const USAGE = `usage: node bench/seed-users.mjs --database-url <sqlite:path | postgres://...> [--count 1000000] [--seed 1]
  A PostgreSQL URL may name its schema with ?options=-c search_path=<schema>; the schema is created if missing.
  The database must not hold users yet.`;

function parseArgs(argv) {
  const args = { count: 1_000_000, seed: 1 };
  for (let i = 0; i < argv.length; i++) {
    const [name, inline] = argv[i].split(/=(.*)/s, 2);
    const value = () => inline ?? argv[++i];
    if (name === '--database-url') args.databaseUrl = value();
    else if (name === '--count') args.count = Number(value());
    else if (name === '--seed') args.seed = Number(value());
    else if (name === '--help' || name === '-h') exit(USAGE, 0);
    else exit(`unknown argument ${argv[i]}\n${USAGE}`);
  }
  if (!args.databaseUrl) exit(USAGE);
  if (!Number.isSafeInteger(args.count) || args.count < 1) exit('--count must be a positive integer');
  return args;
}

function exit(message, code = 2) {
  console.error(message);
  process.exit(code);
}

/** The server's DATABASE_URL rules (sqlite:///abs, sqlite:rel, postgres://…), plus the schema named by search_path. */
export function databaseTarget(url) {
  if (url.startsWith('sqlite:')) {
    const rest = url.slice('sqlite:'.length);
    const file = rest.startsWith('//') ? rest.slice(2) : rest;
    return { kind: 'sqlite', path: path.resolve(file) };
  }
  if (/^postgres(ql)?:\/\//.test(url)) {
    const options = new URL(url).searchParams.get('options') ?? '';
    const schema = /search_path=([\w]+)/.exec(options)?.[1];
    return { kind: 'postgres', url, ...(schema && { schema }) };
  }
  exit(`--database-url must start with sqlite: or postgres:// (got ${url})`);
}

// ---------------------------------------------------------------------------------------------------------------
// Realistic users: names from many places, common mail providers and many company domains, a few rare surnames
// (so that some searches match a handful of users), numbers that keep every email and username unique.

const FIRST = `James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara Richard Susan Joseph Jessica
Thomas Sarah Charles Karen Christopher Lisa Daniel Nancy Matthew Betty Anthony Margaret Mark Sandra Donald Ashley Steven Kimberly
Paul Emily Andrew Donna Joshua Michelle Kenneth Carol Kevin Amanda Brian Dorothy George Melissa Timothy Deborah Ronald Stephanie
Jason Rebecca Edward Sharon Jeffrey Laura Ryan Cynthia Jacob Kathleen Gary Amy Nicholas Angela Eric Shirley Jonathan Anna Stephen
Brenda Larry Pamela Justin Emma Scott Nicole Brandon Helen Benjamin Samantha Samuel Katherine Gregory Christine Alexander Debra
Frank Rachel Patrick Carolyn Raymond Janet Jack Catherine Dennis Maria Jerry Heather Tyler Diane Aaron Ruth Jose Julie Adam Olivia
Henry Joyce Nathan Virginia Douglas Victoria Zachary Kelly Peter Lauren Kyle Christina Ethan Joan Walter Evelyn Noah Judith Jeremy
Megan Christian Andrea Keith Cheryl Roger Hannah Terry Jacqueline Gerald Martha Harold Gloria Sean Teresa Austin Ann Carl Sara
Arthur Madison Lawrence Frances Dylan Kathryn Jesse Janice Jordan Jean Bryan Abigail Billy Alice Joe Julia Bruce Judy Gabriel
Sophia Logan Grace Albert Denise Willie Amber Alan Doris Juan Marilyn Wayne Danielle Elijah Beverly Randy Isabella Roy Theresa
Vincent Diana Ralph Natalie Eugene Brittany Russell Charlotte Bobby Marie Mason Kayla Philip Alexis Louis Lori Ada Grace Alan Linus
Yuki Hiroshi Mei Wei Jun Ananya Arjun Priya Rahul Fatima Omar Aisha Mohammed Leila Hassan Ines Joao Lucas Camila Mateo Sofia
Diego Valentina Lars Ingrid Sven Astrid Pierre Camille Lea Hugo Chloe Luca Giulia Marco Elena Ivan Olga Dmitri Natasha Katarzyna
Piotr Zoltan Agnes Kofi Amara Chidi Ngozi Tariq Yasmin Ravi Deepa Kenji Sakura Min Jiho Seo-yeon Thanh Linh Siddharth Nadia`
  .split(/\s+/);
const LAST = `Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez Wilson Anderson Thomas
Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright
Scott Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Gomez Phillips Evans Turner
Diaz Parker Cruz Edwards Collins Reyes Stewart Morris Morales Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper Peterson Bailey
Reed Kelly Howard Ramos Kim Cox Ward Richardson Watson Brooks Chavez Wood James Bennett Gray Mendoza Ruiz Hughes Price Alvarez
Castillo Sanders Patel Myers Long Ross Foster Jimenez Powell Jenkins Perry Russell Sullivan Bell Coleman Butler Henderson Barnes
Mueller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Dubois Laurent Bernard Moreau Lefebvre Rossi Russo
Ferrari Esposito Bianchi Romano Silva Santos Oliveira Souza Pereira Costa Andersson Johansson Karlsson Nilsson Hansen Jensen
Nielsen Kowalski Nowak Wisniewski Novak Horvath Ivanov Petrov Smirnov Tanaka Suzuki Takahashi Watanabe Yamamoto Wang Zhang Liu
Chen Yang Huang Zhao Wu Zhou Sun Kumar Singh Sharma Gupta Khan Ali Ahmed Hassan Hussein Okafor Mensah Mwangi Okonkwo Lovelace
Hopper Turing Torvalds Yilmaz Kaya Demir Sahin Cohen Levi Friedman Katz Oconnor Murray Byrne Doyle Walsh Kennedy Fitzgerald`
  .split(/\s+/);
/** Few users have these, so searching for one finds a page or two, not thousands. */
const RARE_LAST = 'Quixwell Zbignorova Vantrollope Oxenbridge Pfefferkorn Ytterbium Wolfsgrabe Nakamurabashi Xochiquetzal Brzeczyszczykiewicz'.split(' ');
/** Display names keep their accents and scripts; email local parts are plain ASCII, as people usually pick them. */
const DISPLAY_LAST = { Mueller: 'Müller', Oconnor: "O'Connor", Yilmaz: 'Yılmaz', Sahin: 'Şahin', Nowak: 'Nowak', Wisniewski: 'Wiśniewski', Andersson: 'Andersson', Jimenez: 'Jiménez', Gomez: 'Gómez' };
const DISPLAY_FIRST = { Joao: 'João', Ines: 'Inês', Lea: 'Léa', Chloe: 'Chloé', Zoltan: 'Zoltán', Agnes: 'Ágnes', Jose: 'José' };
const CJK = ['王伟', '李娜', '张敏', '刘洋', '陈静', '田中 優子', '鈴木 一郎', '김민준', '이서연'];

const PROVIDERS = [
  ['gmail.com', 28],
  ['yahoo.com', 8],
  ['outlook.com', 8],
  ['hotmail.com', 6],
  ['icloud.com', 5],
  ['proton.me', 2],
  ['gmx.de', 2],
  ['web.de', 2],
  ['yandex.ru', 1],
  ['qq.com', 1],
];
const COMPANY_SHARE = 37; // % of users on one of many company domains
const WORDS = `acme global north south blue red green data cloud micro nova apex summit river stone bright lumen vertex orbit pixel
quantum harbor pine oak maple cedar atlas beacon cobalt delta ember falcon granite horizon iron jade keystone lotus meridian nimbus
onyx prairie quartz raven sierra tundra umber vector willow xenon yonder zephyr alpine bay coast forge grid hive lab labs works`.split(/\s+/);
const TLDS = ['com', 'com', 'com', 'io', 'net', 'co.uk', 'de', 'fr', 'org', 'dev'];

/** mulberry32: small, fast and seedable, so runs are repeatable. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function makeGenerator(seed, count, now) {
  const rand = random(seed);
  const pick = (list) => list[Math.floor(rand() * list.length)];
  const companies = Array.from({ length: 3000 }, (_, i) => `${WORDS[i % WORDS.length]}${pick(WORDS)}.${pick(TLDS)}`);
  const providerTotal = PROVIDERS.reduce((sum, [, weight]) => sum + weight, 0) + COMPANY_SHARE;
  const domain = () => {
    let roll = rand() * providerTotal;
    for (const [name, weight] of PROVIDERS) {
      roll -= weight;
      if (roll < 0) return name;
    }
    return pick(companies);
  };
  const span = 5 * 365 * 24 * 3600_000; // sign-ups spread over five years, oldest first
  const start = now - span;
  let previousCreatedAt = start;

  return (index) => {
    const first = pick(FIRST);
    const last = rand() < 0.0004 ? pick(RARE_LAST) : pick(LAST);
    const f = first.toLowerCase().replace(/[^a-z]/g, '');
    const l = last.toLowerCase();
    // A number unique to this user, scrambled so neighbours do not share digits (an odd multiplier mod 2^k).
    const n = String((index * 2654435761) % 10_000_019);
    const local = [`${f}.${l}${n}`, `${f[0]}${l}${n}`, `${f}${n}`, `${f}_${l}${n}`, `${l}.${f}${n}`, `${f}${l[0]}${n}`][Math.floor(rand() * 6)];
    const hasEmail = rand() < 0.98;
    const hasUsername = !hasEmail || rand() < 0.85;
    const username = [`${f}${l[0]}_${n}`, `${f}.${l}.${n}`, `${l}${n}`, `${f}-${n}`][Math.floor(rand() * 4)];
    const displayFirst = DISPLAY_FIRST[first] ?? first;
    const displayLast = DISPLAY_LAST[last] ?? last;
    const displayRoll = rand();
    const displayName = displayRoll < 0.72 ? `${displayFirst} ${displayLast}` : displayRoll < 0.78 ? `${displayFirst} ${displayLast[0]}.` : displayRoll < 0.8 ? pick(CJK) : null;
    // Bulk imports: now and then many users share one creation millisecond (ties for the keyset cursors).
    const tie = rand() < 0.002;
    const createdAt = tie ? previousCreatedAt : Math.min(now, Math.round(start + (span * index) / count + rand() * 60_000));
    previousCreatedAt = createdAt;
    const roleRoll = rand();
    const lastLoginAt = rand() < 0.75 ? createdAt + Math.floor(rand() * (now - createdAt)) : null;
    const suspended = rand() < 0.01;
    return {
      id: uuidv7({ msecs: createdAt }),
      email: hasEmail ? `${local}@${domain()}` : null,
      username: hasUsername ? username : null,
      display_name: displayName,
      role: roleRoll < 0.0005 ? 'admin' : roleRoll < 0.03 ? 'guest' : 'user',
      is_active: rand() < 0.985,
      is_verified: rand() < 0.75,
      is_suspended: suspended,
      suspended_reason: suspended ? 'seeded' : null,
      password_changed_at: createdAt,
      created_at: createdAt,
      updated_at: lastLoginAt ?? createdAt,
      last_login_at: lastLoginAt,
    };
  };
}

const COLUMNS = [
  'id',
  'email',
  'username',
  'display_name',
  'password_hash',
  'role',
  'is_active',
  'is_verified',
  'is_suspended',
  'suspended_reason',
  'password_changed_at',
  'created_at',
  'updated_at',
  'last_login_at',
];

// ---------------------------------------------------------------------------------------------------------------
// Writers: one multi-row INSERT per batch, several batches per transaction.

function sqliteWriter(file, batchSize) {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  const row = `(${COLUMNS.map(() => '?').join(', ')})`;
  const statements = new Map();
  const statement = (rows) => {
    if (!statements.has(rows)) {
      statements.set(rows, db.prepare(`insert into users (${COLUMNS.join(', ')}) values ${Array(rows).fill(row).join(', ')}`));
    }
    return statements.get(rows);
  };
  const insertBatches = db.transaction((batches) => {
    for (const batch of batches) statement(batch.length).run(batch.flatMap((user) => COLUMNS.map((column) => sqliteValue(user[column]))));
  });
  return {
    batchSize,
    existing: async () => db.prepare('select count(*) as n from users').get().n,
    write: async (batches) => insertBatches(batches),
    async finish() {
      console.error('ANALYZE (the planner needs statistics of a table this size)…');
      db.exec('analyze');
      db.close();
    },
  };
}

const sqliteValue = (value) => (typeof value === 'boolean' ? (value ? 1 : 0) : value);

async function postgresWriter(url, schema, batchSize) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const placeholders = (rows) =>
    Array.from({ length: rows }, (_, r) => `(${COLUMNS.map((_, c) => `$${r * COLUMNS.length + c + 1}`).join(', ')})`).join(', ');
  const texts = new Map();
  const table = schema ? `${schema}.users` : 'users';
  return {
    batchSize,
    existing: async () => Number((await client.query(`select count(*) as n from ${table}`)).rows[0].n),
    async write(batches) {
      await client.query('begin');
      for (const batch of batches) {
        if (!texts.has(batch.length)) texts.set(batch.length, `insert into ${table} (${COLUMNS.join(', ')}) values ${placeholders(batch.length)}`);
        await client.query(texts.get(batch.length), batch.flatMap((user) => COLUMNS.map((column) => user[column])));
      }
      await client.query('commit');
    },
    async finish() {
      // What autovacuum would have done by now on a database that grew to this size over years.
      console.error('VACUUM ANALYZE users…');
      await client.query(`vacuum analyze ${table}`);
      await client.end();
    },
  };
}

async function ensureSchema(url, schema) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`create schema if not exists ${schema}`);
  } finally {
    await client.end();
  }
}

async function migrate(target) {
  const { createDatabase } = await import(path.join(DIST, 'db/database.js'));
  const { migrateToLatest } = await import(path.join(DIST, 'db/migrate.js')).catch(() => exit(`${DIST} is missing: run \`npm run build\` first`));
  const database = createDatabase(target);
  try {
    const applied = await migrateToLatest(database);
    console.error(applied.length > 0 ? `Migrations applied: ${applied.join(', ')}` : 'Migrations: up to date');
  } finally {
    await database.close();
  }
}

function progress(done, total, startedAt) {
  const width = 40;
  const share = done / total;
  const seconds = (performance.now() - startedAt) / 1000;
  const rate = done / Math.max(seconds, 0.001);
  const eta = done === total ? 0 : Math.round((total - done) / Math.max(rate, 1));
  const bar = '#'.repeat(Math.round(share * width)).padEnd(width, '.');
  process.stderr.write(`\r[${bar}] ${(share * 100).toFixed(1).padStart(5)} % ${done}/${total}  ${Math.round(rate)} rows/s  ETA ${eta} s   `);
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const target = databaseTarget(args.databaseUrl);
  if (target.kind === 'postgres' && target.schema) await ensureSchema(target.url, target.schema);
  await migrate(target);

  // One hash for every user: the bench is about listing, and hashing a million passwords would take hours.
  const passwordHash = await argon2Hash('bench-seeded-password', { algorithm: Algorithm.Argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 });
  const writer = target.kind === 'sqlite' ? sqliteWriter(target.path, 500) : await postgresWriter(target.url, target.schema, 1000);
  const existing = await writer.existing();
  if (existing > 0) exit(`The database already holds ${existing} users; seed a fresh one (delete the file or drop the schema).`, 1);

  const next = makeGenerator(args.seed, args.count, Date.now());
  const startedAt = performance.now();
  const BATCHES_PER_TRANSACTION = 10;
  for (let done = 0; done < args.count; ) {
    const batches = [];
    for (let b = 0; b < BATCHES_PER_TRANSACTION && done < args.count; b++) {
      const size = Math.min(writer.batchSize, args.count - done);
      batches.push(Array.from({ length: size }, (_, i) => ({ ...next(done + i), password_hash: passwordHash })));
      done += size;
    }
    await writer.write(batches);
    progress(done, args.count, startedAt);
  }
  process.stderr.write('\n');
  await writer.finish();
  console.error(`Seeded ${args.count} users in ${((performance.now() - startedAt) / 1000).toFixed(1)} s`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
