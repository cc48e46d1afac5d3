import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { describe, it } from 'vitest';
import type { DatabaseTarget } from '../../src/config/config.js';

export type Dialect = 'sqlite' | 'postgres';

const postgresUrl = process.env.TEST_DATABASE_URL;
const underCi = process.env.CI === 'true';
let skipNoticePrinted = false;

/**
 * Runs a suite on SQLite and, when TEST_DATABASE_URL is set, on PostgreSQL. Without it, the PostgreSQL half says
 * so on one line; under CI=true a missing TEST_DATABASE_URL is a failing test, never a silent skip.
 */
export function describeEachDatabase(name: string, suite: (dialect: Dialect) => void): void {
  describe(`${name} [sqlite]`, () => suite('sqlite'));
  if (postgresUrl) {
    describe(`${name} [postgres]`, () => suite('postgres'));
  } else if (underCi) {
    describe(`${name} [postgres]`, () => {
      it('needs TEST_DATABASE_URL under CI=true', () => {
        throw new Error('TEST_DATABASE_URL is not set: under CI=true the PostgreSQL suites must run, not skip');
      });
    });
  } else if (!skipNoticePrinted) {
    skipNoticePrinted = true;
    console.log('PostgreSQL suites not run: set TEST_DATABASE_URL=postgres://... to run them');
  }
}

export interface TestDatabase {
  readonly target: DatabaseTarget;
  readonly dataDir: string;
  /** The AUTH_SECRET_KEY of every server started on this database (its signing keys are sealed with it). */
  readonly secret: string;
  drop(): Promise<void>;
}

/** A fresh, empty database: a SQLite file in a temp directory, or a new PostgreSQL schema. */
export async function createTestDatabase(dialect: Dialect): Promise<TestDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-test-'));
  const secret = `test-${randomBytes(24).toString('base64url')}`;
  if (dialect === 'sqlite') {
    return {
      target: { kind: 'sqlite', path: join(dataDir, 'test.db') },
      dataDir,
      secret,
      drop: async () => rmSync(dataDir, { recursive: true, force: true }),
    };
  }
  if (!postgresUrl) throw new Error('TEST_DATABASE_URL is not set');
  const schema = `gh_test_${randomBytes(6).toString('hex')}`;
  await withPostgres((client) => client.query(`create schema ${schema}`));
  return {
    target: { kind: 'postgres', url: postgresUrl, schema },
    dataDir,
    secret,
    drop: async () => {
      await withPostgres((client) => client.query(`drop schema if exists ${schema} cascade`));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function withPostgres<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
