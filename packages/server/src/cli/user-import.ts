import { createReadStream, createWriteStream, statSync, unlinkSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { basename } from 'node:path';
import { Transform } from 'node:stream';
import { Command, Option } from 'commander';
import { CLI_ACTOR } from '../domain/admin/actor.js';
import type { ImportResult, OnConflict } from '../domain/import/import-users.js';
import { ON_CONFLICT } from '../domain/import/import-users.js';
import { buildMapping, MappingError, PRESETS, type Preset, type SourceRow } from '../domain/import/mapping.js';
import { formatFromName, IMPORT_FORMATS, type ImportFormat } from '../domain/import/readers.js';
import { describeTarget, withContext } from './context.js';
import { ImportProgress } from './progress.js';

interface ImportCommandOptions {
  readonly format?: ImportFormat;
  readonly from?: Preset;
  readonly map?: string;
  readonly onConflict: OnConflict;
  readonly dryRun?: boolean;
  readonly rejects?: string;
  readonly allowNoPassword?: boolean;
  readonly batchSize: string;
}

const SECRET_KEY = /pass|hash|secret|token|salt/i;

/** The rejects file is for fixing rows, not for moving hashes around: password-like fields are blanked. */
function redacted(value: unknown, depth = 0): unknown {
  if (depth > 4 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => redacted(item, depth + 1));
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [key, SECRET_KEY.test(key) && item !== null && item !== '' ? '[redacted]' : redacted(item, depth + 1)]),
  );
}

class RejectsFile {
  private stream: WriteStream | undefined;
  count = 0;

  constructor(readonly path: string) {}

  async write(line: number, reason: string, row: SourceRow | null): Promise<void> {
    this.stream ??= createWriteStream(this.path);
    this.count++;
    if (!this.stream.write(`${JSON.stringify({ line, reason, row: redacted(row) })}\n`)) await once(this.stream, 'drain');
  }

  async close(): Promise<void> {
    if (this.stream) {
      this.stream.end();
      await once(this.stream, 'close');
    } else {
      // No rejects this time: a rejects file left by an earlier run must not be mistaken for this run's.
      try {
        unlinkSync(this.path);
      } catch {}
    }
  }
}

export function userImportCommand(): Command {
  return new Command('import')
    .summary('import users from another system (CSV, JSON array or NDJSON)')
    .description(
      'Import users from a CSV, JSON-array or NDJSON file, streaming, in batched transactions. Password hashes are kept as they are ' +
        '(bcrypt, argon2, pbkdf2_sha256 from passlib or Django, Better Auth scrypt) and become argon2id at each user\'s next login.',
    )
    .argument('<file>', 'the users to import')
    .addOption(new Option('--format <format>', 'file format (default: from the extension: .csv, .json, .ndjson/.jsonl)').choices(IMPORT_FORMATS))
    .addOption(new Option('--from <system>', 'column preset of the source system (default: gatehouse, our own export)').choices(PRESETS))
    .option('--map <pairs>', 'field=column pairs, over the preset: id, email, username, display_name, password_hash, role, is_admin, is_active, is_verified, is_suspended, created_at, last_login_at')
    .addOption(new Option('--on-conflict <action>', 'a user with the same id, email or username exists').choices(ON_CONFLICT).default('skip'))
    .option('--dry-run', 'validate every row and report what would happen, writing nothing to the database')
    .option('--rejects <file>', 'where rejected rows go, one JSON line each with its line number and reason (default: <file>.rejects.ndjson)')
    .option('--allow-no-password', 'import users without a password hash (they cannot log in until a password reset) instead of rejecting them')
    .option('--batch-size <n>', 'rows per transaction, 1 to 2000', '1000')
    .addHelpText(
      'after',
      `
Rows that cannot be imported (no email and no username, a bad email or username, an unknown hash format, a
duplicate within the file) are written to the rejects file; the others are imported. A line that cannot be read at
all (broken JSON, an unclosed CSV quote) stops the import there: the rows before it are kept. Running the same
file again is safe: users already there are skipped (or updated with --on-conflict update).

Examples:
  $ gatehouse user import users.ndjson --from gatehouse
  $ gatehouse user import fastapi-users.csv --from fastapi-users --dry-run
  $ gatehouse user import better-auth.json --from better-auth --allow-no-password
  $ gatehouse user import legacy.csv --map email=user_email,username=login,password_hash=pw --on-conflict update
See docs/migration.md for each system's export query and column mapping.
`,
    )
    .action(async (file: string, options: ImportCommandOptions, command: Command) => {
      const batchSize = Number(options.batchSize);
      if (!/^\d+$/.test(options.batchSize) || batchSize < 1 || batchSize > 2000) command.error(`error: --batch-size must be a whole number from 1 to 2000, not "${options.batchSize}"`);
      const format = options.format ?? formatFromName(file);
      if (!format) command.error(`error: cannot tell the format of "${file}" from its name; add --format csv, json or ndjson`);
      let size: number;
      try {
        const stat = statSync(file);
        if (!stat.isFile()) throw new Error('not a file');
        size = stat.size;
      } catch {
        command.error(`error: cannot read "${file}": no such file`);
      }
      const preset = options.from ?? 'gatehouse';
      let mapping: ReturnType<typeof buildMapping>;
      try {
        mapping = buildMapping(preset, options.map);
      } catch (error) {
        if (error instanceof MappingError) command.error(`error: ${error.message}`);
        throw error;
      }
      const [{ importUsers }, { readRecords }] = await Promise.all([import('../domain/import/import-users.js'), import('../domain/import/readers.js')]);
      const rejects = new RejectsFile(options.rejects ?? `${file}.rejects.ndjson`);

      let bytes = 0;
      const progress = new ImportProgress(process.stderr, size, () => bytes);
      const { result, target } = await withContext(async (ctx) => {
        const input = createReadStream(file, { highWaterMark: 1 << 16 }).pipe(
          new Transform({
            transform(chunk: Buffer, _encoding, done) {
              bytes += chunk.length;
              done(null, chunk);
            },
          }),
        );
        try {
          const result: ImportResult = await importUsers(
            ctx,
            readRecords(input, format),
            {
              mapping,
              onConflict: options.onConflict,
              dryRun: options.dryRun === true,
              allowNoPassword: options.allowNoPassword === true,
              batchSize,
              source: { file: basename(file), format, preset: options.map ? `${preset} + --map` : preset },
            },
            { reject: (line, reason, row) => rejects.write(line, reason, row), progress: (counts) => progress.update(counts) },
            CLI_ACTOR,
          );
          return { result, target: describeTarget(ctx.config.database) };
        } finally {
          input.destroy();
          progress.done();
          await rejects.close();
        }
      });

      const { counts, stopped } = result;
      const seconds = progress.elapsedSeconds();
      const width = (value: number) => value.toLocaleString('en-US').padStart(12);
      console.log(`${options.dryRun ? 'Dry run (nothing written): checked' : 'Imported'} ${basename(file)} (${format}, preset ${preset}) into ${target}`);
      console.log(`  read:     ${width(counts.read)}`);
      console.log(`  ${options.dryRun ? 'new:      ' : 'imported: '}${width(counts.imported)}`);
      console.log(`  updated:  ${width(counts.updated)}`);
      console.log(`  skipped:  ${width(counts.skipped)}`);
      console.log(`  rejected: ${width(counts.rejected)}${counts.rejected > 0 ? `  (see ${rejects.path})` : ''}`);
      console.log(`  rows/s:   ${width(Math.round(counts.read / Math.max(seconds, 0.001)))}`);
      console.log(`  time:     ${seconds.toFixed(1).padStart(12)} s`);
      // maxRSS is in kilobytes.
      console.log(`  peak RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(0).padStart(12)} MB`);
      if (stopped) {
        console.error(
          `error: stopped at line ${stopped.line}: ${stopped.reason}. The rows before it ${options.dryRun ? 'were checked' : 'are imported'}; ` +
            'fix that line and run the same command again (users already imported are skipped).',
        );
        process.exitCode = 1;
      }
    });
}
