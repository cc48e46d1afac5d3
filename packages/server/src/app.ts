import { randomUUID } from 'node:crypto';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { pino } from 'pino';
import type { Config } from './config/config.js';
import { ConfigError } from './config/config-error.js';
import { bootstrapAdmin } from './domain/accounts/bootstrap-admin.js';
import type { DomainContext } from './domain/context.js';
import { type ContextDeps, closeContext, createContext } from './domain/create-context.js';
import { AuthError } from './errors/auth-error.js';
import { loggerOptions } from './http/plugins/logging.js';
import { useCookies } from './http/plugins/cookies.js';
import { useCors } from './http/plugins/cors.js';
import { useRequestMetrics } from './http/plugins/metrics.js';
import { useProblemDetails } from './http/plugins/problem-details.js';
import { useRateLimits } from './http/plugins/rate-limit.js';
import { useSecurityHeaders } from './http/plugins/security-headers.js';
import { useUsageCounting } from './http/plugins/usage.js';
import { useStrictValidation } from './http/plugins/validation.js';
import { useWebSockets } from './http/plugins/websockets.js';
import { adminHealthRoutes } from './http/routes/admin-health.js';
import { adminUserRoutes } from './http/routes/admin-users.js';
import { analyticsRoutes } from './http/routes/analytics.js';
import { apiKeyRoutes } from './http/routes/api-keys.js';
import { auditAndStatsRoutes } from './http/routes/audit-and-stats.js';
import { authRoutes } from './http/routes/auth.js';
import { compatRoutes } from './http/routes/compat.js';
import { cookieAuthRoutes } from './http/routes/cookie-auth.js';
import { registerDocs } from './http/routes/docs.js';
import { healthRoutes } from './http/routes/health.js';
import { introspectRoutes } from './http/routes/introspect.js';
import { metricsRoutes } from './http/routes/metrics.js';
import { passwordAndEmailRoutes } from './http/routes/passwords-and-email.js';
import { sessionRoutes } from './http/routes/sessions.js';
import { userManagementRoutes } from './http/routes/user-management.js';
import { userDirectoryRoutes } from './http/routes/user-directory.js';
import { userRoutes } from './http/routes/users.js';
import { websocketRoutes } from './http/routes/websocket.js';
import { wellKnownRoutes } from './http/routes/well-known.js';
import { collectRoutePolicies, type RoutePolicy } from './http/route-policies.js';
import { Problem } from './http/schemas/common.js';
import { endSuspensions } from './jobs/end-suspensions.js';
import { flushUsage } from './jobs/flush-usage.js';
import { startJobs } from './jobs/periodic.js';
import { purgeExpired } from './jobs/purge-expired.js';
import { purgeUsage } from './jobs/purge-usage.js';
import { recordLastUse } from './jobs/record-last-use.js';
import { reloadSigningKeys } from './jobs/reload-signing-keys.js';
import { smtpCheck } from './mail/smtp-check.js';
import { createAppMetrics } from './metrics/app-metrics.js';
import { VERSION } from './version.js';

export const BODY_LIMIT_BYTES = 64 * 1024;
const REQUEST_LOG_LEVELS = new Set(['trace', 'debug', 'info']);

export interface AppDeps extends ContextDeps {
  /** Where pino writes; stdout when absent. */
  readonly logStream?: NodeJS.WritableStream;
  readonly redisPing?: () => Promise<void>;
}

export interface GatehouseApp {
  readonly app: FastifyInstance;
  readonly ctx: DomainContext;
  /** Who may call each route (the permission-matrix test walks them). */
  readonly routes: readonly RoutePolicy[];
}

/** Builds the HTTP application without listening (tests inject into it or listen on port 0; main.ts listens). */
export async function buildApp(config: Config, deps: AppDeps): Promise<GatehouseApp> {
  // One logger for the domain (mail, background work) and for Fastify, created before either.
  const logger = pino(loggerOptions(config.logLevel), deps.logStream ?? process.stdout);
  const { database, redis } = deps;
  const metrics = createAppMetrics({
    ...(database.poolStats && { poolStats: database.poolStats }),
    ...(redis && { redisStatus: () => redis.status }),
  });
  const ctx = await createContext(config, { ...deps, logger, telemetry: metrics.telemetry });
  if (config.admin) await bootstrapAdminOrExplain(ctx, config.admin);

  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: config.trustProxy,
    genReqId: () => randomUUID(),
    // At info and below every request writes its own lines and gets a child logger carrying its id. Above info only
    // failures are logged (with the id added there), and a child logger per request would be pure cost.
    childLoggerFactory: (logger, bindings, options) => (REQUEST_LOG_LEVELS.has(logger.level) ? logger.child(bindings, options) : logger),
    requestIdHeader: false,
    routerOptions: { maxParamLength: 200 },
    return503OnClosing: true,
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.decorateRequest('principal', null);
  // Only JSON (and, on the form-login route alone, form bodies): text/plain is a CORS "simple" type (CSRF CS).
  app.removeContentTypeParser('text/plain');
  app.addSchema(Problem);
  useStrictValidation(app, [Problem]);
  useSecurityHeaders(app, { https: config.publicUrl.startsWith('https:') });
  useProblemDetails(app, (error) => deps.database.isUnavailable(error));
  useRequestMetrics(app, metrics.http);
  useUsageCounting(app, ctx.usage);
  useRateLimits(app, ctx);
  await useWebSockets(app);
  await useCookies(app);
  await useCors(app, config.allowedOrigins);
  await registerDocs(app, { publicUrl: config.publicUrl, version: VERSION });
  const routes = collectRoutePolicies(app);

  const checks = { database: () => deps.database.ping(), ...(deps.redisPing && { redis: deps.redisPing }) };
  await app.register(healthRoutes(checks));
  await app.register(metricsRoutes(metrics, config.metricsToken));
  const mail = config.mail.smtp ? smtpCheck(config.mail.smtp) : undefined;
  await app.register(wellKnownRoutes(ctx));
  await app.register(
    async (api) => {
      await api.register(healthRoutes(checks, true));
      await api.register(authRoutes(ctx));
      await api.register(introspectRoutes(ctx));
      await api.register(cookieAuthRoutes(ctx));
      await api.register(passwordAndEmailRoutes(ctx));
      await api.register(sessionRoutes(ctx));
      await api.register(apiKeyRoutes(ctx));
      await api.register(userRoutes(ctx));
      await api.register(adminUserRoutes(ctx));
      await api.register(userManagementRoutes(ctx));
      await api.register(userDirectoryRoutes(ctx));
      await api.register(auditAndStatsRoutes(ctx));
      await api.register(adminHealthRoutes(ctx, { ...checks, ...(mail && { mail: mail.check }) }));
      await api.register(analyticsRoutes(ctx));
    },
    { prefix: '/api/v1' },
  );
  // fastapi-users style routes at the root, for clients moving over (API.md "Compatibility routes").
  if (config.compatRoutes) await app.register(compatRoutes(ctx));
  await app.register(websocketRoutes(ctx));
  closeKeepAliveConnectionsWhenDone(app);
  const lastUse = recordLastUse(ctx);
  const stopJobs = startJobs([reloadSigningKeys(ctx.keyRing), purgeExpired(ctx), endSuspensions(ctx), lastUse], app.log);
  const stopUsageJobs = startJobs([purgeUsage(ctx), ...(ctx.usage.enabled ? [flushUsage(ctx)] : [])], app.log);
  app.addHook('onClose', async () => {
    stopJobs();
    stopUsageJobs();
    await ctx.usage.flush().catch((error: unknown) => app.log.warn({ err: error }, 'could not write the last usage counts'));
    await lastUse.run().catch((error: unknown) => app.log.warn({ err: error }, 'could not record the last use of sessions and keys'));
    await closeContext(ctx);
    mail?.close();
    metrics.close();
  });
  return { app, ctx, routes };
}

/**
 * Fastify closes only the connections idle when close() starts. A keep-alive connection whose request is still
 * running would stay open for its keep-alive timeout after answering and hold the shutdown past its deadline, so
 * while closing, idle connections are closed as soon as they become idle.
 */
function closeKeepAliveConnectionsWhenDone(app: FastifyInstance): void {
  let sweeper: NodeJS.Timeout | undefined;
  app.addHook('preClose', async () => {
    sweeper = setInterval(() => app.server.closeIdleConnections(), 25);
  });
  app.addHook('onClose', async () => clearInterval(sweeper));
}

async function bootstrapAdminOrExplain(ctx: DomainContext, admin: { email: string; password: string }): Promise<void> {
  try {
    await bootstrapAdmin(ctx, admin);
  } catch (error) {
    if (error instanceof AuthError && error.code === 'validation_failed') {
      const variable = error.errors?.[0]?.path === '/email' ? 'ADMIN_EMAIL' : 'ADMIN_PASSWORD';
      throw new ConfigError(variable, `is not acceptable: ${error.detail}`);
    }
    throw error;
  }
}
