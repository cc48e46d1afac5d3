import { createGatehouseClient, type GatehouseClient, type GatehouseClientOptions } from '../../src/index.js';
import type { TestServer } from '../../../server/test/helpers/test-server.js';
import { registerUser } from '../../../server/test/helpers/users.js';

export { describeEachDatabase } from '../../../server/test/helpers/databases.js';
export { startMailingServer, startTestServer, type TestServer } from '../../../server/test/helpers/test-server.js';
export { GOOD_PASSWORD, registerUser, type TestUser } from '../../../server/test/helpers/users.js';
export { bootstrapAdmin } from '../../../server/test/helpers/admin.js';

/** Test servers run without rate limits unless a test is about them. */
export const NO_LIMITS = { RATE_LIMIT_ENABLED: 'false' };

/** A fetch that passes every request through to the real server and writes down `METHOD /path → status`. */
export function recordingFetch(): { readonly fetch: typeof fetch; readonly log: string[]; count(request: string): number } {
  const log: string[] = [];
  const recorded: typeof fetch = async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const method = init?.method ?? (input instanceof Request ? input.method : 'GET');
    const response = await fetch(input, init);
    log.push(`${method} ${url.pathname} ${response.status}`);
    return response;
  };
  return { fetch: recorded, log, count: (request) => log.filter((line) => line.startsWith(`${request} `)).length };
}

/** A token-mode client of the test server whose clock is the server's frozen one unless the test gives another. */
export function clientOf(server: TestServer, options: Partial<GatehouseClientOptions> = {}): GatehouseClient {
  return createGatehouseClient({ baseUrl: server.url, now: () => server.clock.now(), ...options });
}

/** Registers a user and signs a new client in as them. */
export async function signedInClient(
  server: TestServer,
  options: Partial<GatehouseClientOptions> = {},
): Promise<{ client: GatehouseClient; user: { id: string; email: string; password: string } }> {
  const user = await registerUser(server);
  const client = clientOf(server, options);
  await client.login({ username: user.email, password: user.password });
  return { client, user };
}

export const MINUTE = 60_000;
