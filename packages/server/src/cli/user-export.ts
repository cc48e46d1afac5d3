import { randomBytes } from 'node:crypto';
import { createWriteStream, statSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Command, Option } from 'commander';
import { ROLES, type Role } from '../domain/accounts/user.js';
import type { ExportedUser, ExportStatus } from '../domain/admin/export-users.js';
import { withContext } from './context.js';
import { iso, isoOrNull } from '../http/schemas/fields.js';

export const EXPORT_FORMATS = ['ndjson', 'json', 'csv'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
// The same four as EXPORT_STATUSES; written out so that --help loads no domain code.
const STATUSES: readonly ExportStatus[] = ['active', 'suspended', 'inactive', 'unverified'];

interface ExportOptions {
  readonly format: ExportFormat;
  readonly output?: string;
  readonly role?: Role;
  readonly status?: ExportStatus;
  readonly includePasswordHashes?: boolean;
}

/**
 * The Gatehouse export record, which `gatehouse user import --from gatehouse` reads: snake_case, times in ISO 8601,
 * null for an absent value, `password_hash` only when asked for (absent otherwise, not null).
 */
export interface ExportRecord {
  readonly id: string;
  readonly email: string | null;
  readonly username: string | null;
  readonly display_name: string | null;
  readonly role: Role;
  readonly is_active: boolean;
  readonly is_verified: boolean;
  readonly is_suspended: boolean;
  readonly created_at: string;
  readonly last_login_at: string | null;
  readonly password_hash?: string;
}

export const EXPORT_COLUMNS = ['id', 'email', 'username', 'display_name', 'role', 'is_active', 'is_verified', 'is_suspended', 'created_at', 'last_login_at'] as const;

export function exportRecord({ user, passwordHash }: ExportedUser): ExportRecord {
  return {
    id: user.id,
    email: user.email,
    username: user.username,
    display_name: user.displayName,
    role: user.role,
    is_active: user.isActive,
    is_verified: user.isVerified,
    is_suspended: user.isSuspended,
    created_at: iso(user.createdAt),
    last_login_at: isoOrNull(user.lastLoginAt),
    ...(passwordHash !== undefined && { password_hash: passwordHash }),
  };
}

export function userExportCommand(): Command {
  return new Command('export')
    .summary('write every user (or a filtered set) as NDJSON, JSON or CSV')
    .description(
      'Write users as Gatehouse export records (the input of `gatehouse user import --from gatehouse`), streamed from the database a page at a time',
    )
    .addOption(new Option('--format <format>', 'ndjson: one JSON object per line; json: one array; csv: a header row, then one row per user').choices(EXPORT_FORMATS).default('ndjson'))
    .option('-o, --output <file>', 'write to this file (created with mode 0600, replaced only once the export is complete) instead of stdout')
    .addOption(new Option('--role <role>', 'only users with this role').choices(ROLES))
    .addOption(new Option('--status <status>', 'only users in this state').choices(STATUSES))
    .option('--include-password-hashes', 'add each user\'s password_hash, so that users keep their passwords in another deployment')
    .addHelpText(
      'after',
      `
Each record: id, email, username, display_name, role, is_active, is_verified,
is_suspended, created_at, last_login_at (ISO 8601), and password_hash only with
--include-password-hashes. Null is JSON null, an empty cell in CSV; CSV booleans
read true/false. Progress and a summary go to stderr, never into the export.
Every export is recorded in the audit log (action user.export).

Examples:
  $ gatehouse user export > users.ndjson
  $ gatehouse user export --format csv --role admin --output admins.csv
  $ gatehouse user export --include-password-hashes --output backup.ndjson
  $ gatehouse user import --from gatehouse backup.ndjson     # on the other deployment
`,
    )
    .action(async (options: ExportOptions) => {
      const toFile = options.output !== undefined && options.output !== '-';
      const target = toFile ? resolve(options.output as string) : undefined;
      if (target) checkOutputPath(target);
      const includeHashes = options.includePasswordHashes === true;
      if (includeHashes) {
        console.error(`warning: ${target ?? 'the output'} holds password hashes: keep it private, move it over a trusted channel and delete it once imported`);
      }
      const started = performance.now();
      const count = await exportTo(options, target, includeHashes);
      const seconds = (performance.now() - started) / 1000;
      const rate = Math.round(count / Math.max(seconds, 0.001));
      const peak = Math.round(process.resourceUsage().maxRSS / 1024);
      console.error(
        `exported ${count} ${count === 1 ? 'user' : 'users'}${target ? ` to ${target}` : ''} (${options.format}, ${includeHashes ? 'with' : 'without'} password hashes) in ${seconds.toFixed(1)} s: ${rate} rows/s, peak memory ${peak} MB`,
      );
    });
}

/** Fails before anything is read: the file's directory must exist and the file must not be a directory. */
function checkOutputPath(target: string): void {
  const directory = statSync(dirname(target), { throwIfNoEntry: false });
  if (!directory?.isDirectory()) throw new Error(`--output: the directory ${dirname(target)} does not exist`);
  if (statSync(target, { throwIfNoEntry: false })?.isDirectory()) throw new Error(`--output: ${target} is a directory; give a file name`);
}

async function exportTo(options: ExportOptions, target: string | undefined, includeHashes: boolean): Promise<number> {
  const { exportUsers, recordUserExport } = await import('../domain/admin/export-users.js');
  const { CLI_ACTOR } = await import('../domain/admin/actor.js');
  return withContext(async (ctx) => {
    const progress = progressReporter(target !== undefined);
    const counted = { users: 0 };
    const batches = exportUsers(ctx, { role: options.role, status: options.status, includePasswordHashes: includeHashes });
    async function* users(): AsyncGenerator<readonly ExportRecord[]> {
      for await (const batch of batches) {
        yield batch.map(exportRecord);
        counted.users += batch.length;
        progress.update(counted.users);
      }
    }
    // Written beside the target and renamed over it when complete: a failed export never leaves half a file
    // where a complete one is expected, and a file with hashes is never readable by others, even for a moment.
    const partial = target && join(dirname(target), `.${basename(target)}.${randomBytes(4).toString('hex')}.partial`);
    const summary = { role: options.role, status: options.status, format: options.format, includePasswordHashes: includeHashes };
    try {
      const output: Writable = partial ? createWriteStream(partial, { flags: 'wx', mode: 0o600 }) : process.stdout;
      await write(options.format, users(), output, includeHashes);
      if (partial && target) await rename(partial, target);
    } catch (error) {
      progress.done();
      if (partial) await rm(partial, { force: true });
      await recordUserExport(ctx, CLI_ACTOR, { ...summary, count: counted.users, complete: false }).catch(() => undefined);
      throw error;
    }
    progress.done();
    await recordUserExport(ctx, CLI_ACTOR, { ...summary, count: counted.users, complete: true });
    return counted.users;
  });
}

/** Streams the records in the format, with the destination's backpressure: at most a page is in memory at once. */
async function write(format: ExportFormat, batches: AsyncIterable<readonly ExportRecord[]>, output: Writable, includeHashes: boolean): Promise<void> {
  // stdout is the process's: the pipeline must not end it (the summary and errors still follow on stderr, and
  // Node refuses to close it anyway); a file is ended and closed by the pipeline.
  const end = output !== process.stdout;
  if (format === 'csv') {
    const { stringify } = await import('csv-stringify');
    const columns = includeHashes ? [...EXPORT_COLUMNS, 'password_hash'] : [...EXPORT_COLUMNS];
    // The header row even for no users, so that an empty export still names its columns; null becomes an empty cell.
    const csv = stringify({ header: true, columns, cast: { boolean: (value) => (value ? 'true' : 'false') } });
    await pipeline(Readable.from(records(batches), { highWaterMark: 1 }), csv, output, { end });
    return;
  }
  // One page ahead at most (Readable.from reads 16 chunks ahead by default: 16 pages here).
  await pipeline(Readable.from(format === 'json' ? jsonArray(batches) : ndjson(batches), { highWaterMark: 1 }), output, { end });
}

async function* records(batches: AsyncIterable<readonly ExportRecord[]>): AsyncGenerator<ExportRecord> {
  for await (const batch of batches) yield* batch;
}

async function* ndjson(batches: AsyncIterable<readonly ExportRecord[]>): AsyncGenerator<string> {
  for await (const batch of batches) yield `${batch.map((record) => JSON.stringify(record)).join('\n')}\n`;
}

/** One JSON array, one record per line, written as the pages come: never built in memory. */
async function* jsonArray(batches: AsyncIterable<readonly ExportRecord[]>): AsyncGenerator<string> {
  let first = true;
  yield '[';
  for await (const batch of batches) {
    yield `${first ? '' : ','}\n${batch.map((record) => JSON.stringify(record)).join(',\n')}`;
    first = false;
  }
  yield first ? ']\n' : '\n]\n';
}

interface Progress {
  update(count: number): void;
  done(): void;
}

const TERMINAL_INTERVAL_MS = 250;
const LOG_INTERVAL_MS = 10_000;

/**
 * Progress on stderr: a line rewritten in place on a terminal (unless the export itself goes to that terminal),
 * a plain line every ten seconds otherwise (a cron job's log), nothing for a short export.
 */
function progressReporter(toFile: boolean): Progress {
  const started = performance.now();
  const terminal = process.stderr.isTTY === true;
  if (terminal && !toFile && process.stdout.isTTY) return { update: () => undefined, done: () => undefined };
  const interval = terminal ? TERMINAL_INTERVAL_MS : LOG_INTERVAL_MS;
  let shownAt = started;
  let shown = false;
  const line = (count: number) => {
    const seconds = (performance.now() - started) / 1000;
    return `exporting: ${count} users, ${Math.round(count / Math.max(seconds, 0.001))} rows/s`;
  };
  return {
    update(count) {
      const now = performance.now();
      if (now - shownAt < interval) return;
      shownAt = now;
      shown = true;
      if (terminal) process.stderr.write(`\r${line(count)}\u001b[K`);
      else console.error(line(count));
    },
    done() {
      if (terminal && shown) process.stderr.write('\r\u001b[K');
    },
  };
}
