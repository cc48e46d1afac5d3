import fastifyWebsocket from '@fastify/websocket';
import { createVerifier } from '@gatehouse/verify';
import { gatehouse } from '@gatehouse/verify/fastify';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import { createDatabase } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import { createRepositories } from './db/repositories/repositories.js';
import type { NotesContext } from './domain/context.js';
import { MessageFeed } from './domain/message-feed.js';
import { useProblemDetails } from './http/problems.js';
import { adminRoutes } from './http/routes/admin.js';
import { chatRoutes } from './http/routes/chats.js';
import { documentRoutes } from './http/routes/documents.js';
import { tagRoutes } from './http/routes/tags.js';
import { websocketRoutes } from './http/routes/websocket.js';

const BODY_LIMIT_BYTES = 64 * 1024;

export interface AppDeps {
  /** Milliseconds since the epoch, for token expiry and timestamps; tests pass a frozen clock. */
  readonly now?: () => number;
  /** Log requests at this pino level; no logging unless given. */
  readonly logLevel?: string;
}

/**
 * Builds the notes API without listening: opens the database and migrates it, then registers the routes.
 * Closing the returned instance closes the database.
 */
export async function buildApp(config: Config, deps: AppDeps = {}): Promise<FastifyInstance> {
  const now = deps.now ?? Date.now;
  const database = createDatabase(config.database);
  try {
    await migrateToLatest(database);
  } catch (error) {
    await database.close();
    throw error;
  }
  const ctx: NotesContext = { repos: createRepositories(database.db), feed: new MessageFeed(), now, isUniqueViolation: database.isUniqueViolation };
  const { issuer, audience, jwksUrl, introspectionKey, introspectionUrl } = config.gatehouse;
  const verifier = createVerifier({
    issuer,
    audience,
    now,
    ...(jwksUrl && { jwksUrl }),
    ...(introspectionKey && { introspection: { apiKey: introspectionKey, ...(introspectionUrl && { url: introspectionUrl }) } }),
  });

  const app = Fastify({
    logger: deps.logLevel === undefined ? false : { level: deps.logLevel, serializers: { req: (request) => ({ method: request.method, url: redactUrl(request.url) }) } },
    bodyLimit: BODY_LIMIT_BYTES,
    // Fastify's default Ajv strips unknown fields and coerces types; here an unknown field or a wrong type is a 422.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false } },
  });
  app.addHook('onClose', () => database.close());
  useProblemDetails(app);
  // On the root instance: every upgrade request passes through it (see the Gatehouse server's websockets plugin).
  await app.register(fastifyWebsocket, { options: { maxPayload: 4096 } });

  app.get('/health', async () => ({ status: 'ok' }));
  await app.register(websocketRoutes(ctx, verifier));
  await app.register(
    async (api) => {
      // Verifies the bearer token of every /api request (locally against the JWKS, or by introspection when a key is
      // configured, which refuses a revoked session at once); the guards on each route decide who may call it.
      await api.register(gatehouse, { verifier, introspect: introspectionKey !== undefined });
      await api.register(chatRoutes(ctx));
      await api.register(documentRoutes(ctx));
      await api.register(tagRoutes(ctx));
      await api.register(adminRoutes(ctx));
    },
    { prefix: '/api' },
  );
  return app;
}

/** `?token=` and `?ticket=` are credentials: they never reach the log. */
function redactUrl(url: string): string {
  return url.replace(/([?&](?:token|ticket)=)[^&]*/g, '$1[REDACTED]');
}
