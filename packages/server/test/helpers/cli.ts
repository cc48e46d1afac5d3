import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { DatabaseTarget } from '../../src/config/config.js';
import type { TestDatabase } from './databases.js';

// The tests run the built binary, as an operator would; `npm test` builds first.
const BIN = fileURLToPath(new URL('../../dist/cli/index.js', import.meta.url));

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly env: Record<string, string>;
  /** Written to stdin, which is then closed (stdin is always a pipe, never a terminal). */
  readonly input?: string;
}

export function runCli(args: string[], options: RunOptions): Promise<CliResult> {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: build first (npm run build, or npm test which builds)`);
  return new Promise((resolve, reject) => {
    // cwd is the data directory so that no .env of the developer's checkout is read.
    const child = spawn(process.execPath, [BIN, ...args], { env: options.env, cwd: options.env.DATA_DIR, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

/** Only what the CLI needs: no inherited secrets, no stray DATABASE_URL from the shell that runs the tests. */
export function cliEnv(database: TestDatabase): Record<string, string> {
  return {
    ENVIRONMENT: 'test',
    // The secret of every test server on this database: it seals the signing keys the CLI creates.
    AUTH_SECRET_KEY: database.secret,
    DATA_DIR: database.dataDir,
    DATABASE_URL: databaseUrl(database.target),
    LOG_LEVEL: 'warn',
  };
}

/** The PostgreSQL test database is a schema; libpq's `options` parameter selects it for the CLI's connections. */
function databaseUrl(target: DatabaseTarget): string {
  if (target.kind === 'sqlite') return `sqlite:${target.path}`;
  if (!target.schema) return target.url;
  return `${target.url}${target.url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${target.schema}`)}`;
}

