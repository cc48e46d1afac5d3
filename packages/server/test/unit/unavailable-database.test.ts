import { expect, it } from 'vitest';
import { createDatabase } from '../../src/db/database.js';
import { toAuthError } from '../../src/http/plugins/problem-details.js';

it('maps an unreachable PostgreSQL to 503 service_unavailable, not 500', async () => {
  // Nothing listens on port 1: the connection is refused, as when the database is down.
  const database = createDatabase({ kind: 'postgres', url: 'postgres://postgres@127.0.0.1:1/test' });
  try {
    const error = await database.ping().then(
      () => undefined,
      (failure: unknown) => failure,
    );
    expect(database.isUnavailable(error)).toBe(true);
    const problem = toAuthError(error as Error, (cause) => database.isUnavailable(cause));
    expect(problem.code).toBe('service_unavailable');
    expect(problem.status).toBe(503);
    expect(problem.detail).not.toMatch(/ECONNREFUSED|127\.0\.0\.1/);
  } finally {
    await database.close();
  }
});
