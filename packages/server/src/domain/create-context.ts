import type { Redis } from 'ioredis';
import { type Logger, pino } from 'pino';
import { v7 as uuidv7 } from 'uuid';
import { BackgroundTasks } from '../background-tasks.js';
import { type Clock, systemClock } from '../clock.js';
import type { Config } from '../config/config.js';
import type { Database } from '../db/database.js';
import { createRepositories } from '../db/repositories/repositories.js';
import { AccessTokens, CLOCK_SKEW_SECONDS } from '../security/access-tokens.js';
import { KeyRing } from '../security/key-ring.js';
import { PasswordHasher } from '../security/password-hasher.js';
import { SecretKeys } from '../security/secret-keys.js';
import { SessionCookies } from '../security/session-cookies.js';
import { createMailer, type Mailer } from '../mail/mailer.js';
import { type AttemptCounters, MemoryAttemptCounters } from '../store/attempt-counters.js';
import { type EventsBus, type GatehouseEvent, MemoryEventsBus } from '../store/events-bus.js';
import { FallbackAttemptCounters } from '../store/fallback-attempt-counters.js';
import { RedisAttemptCounters } from '../store/redis-attempt-counters.js';
import { memoryRateLimitCounters, redisRateLimitCounters } from '../store/rate-limit-counters.js';
import { RedisEventsBus } from '../store/redis-events-bus.js';
import { RedisWsTickets } from '../store/redis-ws-tickets.js';
import { RevokedSessions } from '../store/revoked-sessions.js';
import { MemoryWsTickets } from '../store/ws-tickets.js';
import { UserCache } from './accounts/user-cache.js';
import { UsageCollector } from './analytics/usage-collector.js';
import { writeUsage } from './analytics/write-usage.js';
import { ApiKeyCache } from './api-keys/api-key-cache.js';
import type { DomainContext } from './context.js';
import { LastUse } from './last-use.js';
import { noTelemetry, type Telemetry } from './telemetry.js';
import { ensureSigningKey } from './tokens/signing-keys.js';

export interface ContextDeps {
  readonly database: Database;
  readonly clock?: Clock;
  readonly events?: EventsBus;
  /** Silent when absent (the CLI reports on the terminal instead). */
  readonly logger?: Logger;
  readonly mailer?: Mailer;
  /** Shared state across instances; without it counters live in this process. */
  readonly redis?: Redis;
  /** Where counters and timings go; nowhere when absent. */
  readonly telemetry?: Telemetry;
}

/**
 * Wires the use-cases' collaborators and brings the in-memory state up to date: signing keys loaded (one created
 * on first start), sessions revoked within the last access-token lifetime loaded, events bus subscribed.
 */
export async function createContext(config: Config, deps: ContextDeps): Promise<DomainContext> {
  const clock = deps.clock ?? systemClock;
  const repos = createRepositories(deps.database.db);
  const secrets = new SecretKeys(config.secretKey);
  // A key or revocation matters for as long as a token it concerns can still be presented.
  const tokenLifetimeMs = (config.accessTokenTtlSeconds + CLOCK_SKEW_SECONDS) * 1000;
  const keyRing = new KeyRing(() => repos.signingKeys.listUsable(clock.now() - tokenLifetimeMs), secrets.keyEncryptionKey, clock);
  const log = deps.logger ?? pino({ level: 'silent' });
  const telemetry = deps.telemetry ?? noTelemetry;
  // With Redis, every instance hears every event; what one misses while Redis is away is reloaded from the database.
  const events =
    deps.events ??
    (deps.redis
      ? new RedisEventsBus(deps.redis, {
          channel: `${config.redisKeyPrefix}events`,
          log,
          now: () => clock.now(),
          catchUp: (since) => missedEvents(ctx, Math.max(since, clock.now() - tokenLifetimeMs)),
        })
      : new MemoryEventsBus());
  const ctx: DomainContext = {
    config,
    clock,
    repos,
    uniqueViolation: (error) => deps.database.uniqueViolation(error),
    hasher: new PasswordHasher(config.argon2, { threadPoolSize: config.threadPoolSize }, (seconds) => telemetry.passwordHashed(seconds)),
    secrets,
    keyRing,
    accessTokens: new AccessTokens(keyRing, clock, {
      issuer: config.publicUrl,
      audience: config.jwtAudience,
      ttlSeconds: config.accessTokenTtlSeconds,
    }),
    sessionCookies: new SessionCookies(secrets.cookieKey),
    events,
    revokedSessions: new RevokedSessions(tokenLifetimeMs),
    users: new UserCache(repos.users),
    apiKeys: new ApiKeyCache(repos.apiKeys),
    newId: uuidv7,
    log,
    mailer:
      deps.mailer ??
      createMailer({ smtp: config.mail.smtp, from: config.mail.from, environment: config.environment, logger: log, now: () => clock.now() }),
    attempts: attemptCounters(deps.redis, config.redisKeyPrefix, log),
    rateLimits: deps.redis ? redisRateLimitCounters(deps.redis, `${config.redisKeyPrefix}rl`) : memoryRateLimitCounters(),
    wsTickets: deps.redis ? new RedisWsTickets(deps.redis, `${config.redisKeyPrefix}ws-ticket:`) : new MemoryWsTickets(),
    background: new BackgroundTasks(log),
    sessionUse: new LastUse(),
    apiKeyUse: new LastUse(),
    telemetry,
    usage: new UsageCollector(writeUsage(repos), clock, { enabled: config.analytics.enabled }),
  };
  ctx.events.subscribe((event) => {
    if (event.type === 'session.revoked') ctx.revokedSessions.add(event.sessionId, event.at, clock.now());
    else if (event.type === 'api_key.revoked') ctx.apiKeys.forget(event.keyId);
    else ctx.users.invalidate(event.userId);
  });
  // Subscribed before the revocations are loaded, so that none falls between the two.
  if (events instanceof RedisEventsBus) await events.start();
  for (const { id, revokedAt } of await repos.sessions.revokedSince(clock.now() - tokenLifetimeMs)) {
    ctx.revokedSessions.add(id, revokedAt, clock.now());
  }
  await ensureSigningKey(ctx);
  return ctx;
}

/** Redis when configured, with this process's memory as insurance while Redis is away (lockout keeps counting). */
function attemptCounters(redis: Redis | undefined, keyPrefix: string, log: Logger): AttemptCounters {
  if (!redis) return new MemoryAttemptCounters();
  return new FallbackAttemptCounters(new RedisAttemptCounters(redis, `${keyPrefix}attempts:`), new MemoryAttemptCounters(), (error) =>
    log.warn({ err: error }, 'Redis unavailable: counting failed logins in this process meanwhile'),
  );
}

/**
 * What the events bus may have missed since `since`: any user or API key may have changed, so both caches start
 * afresh, and the sessions revoked meanwhile are announced to this instance (revocation set, open WebSockets).
 */
async function missedEvents(ctx: DomainContext, since: number): Promise<GatehouseEvent[]> {
  ctx.users.clear();
  ctx.apiKeys.clear();
  const revoked = await ctx.repos.sessions.revokedSince(since);
  return revoked
    .filter(({ id }) => !ctx.revokedSessions.has(id))
    .map(({ id, userId, revokedAt }) => ({ type: 'session.revoked', sessionId: id, userId, at: revokedAt }));
}

/** Lets background work and queued mail finish (bounded), before the database is closed. */
export async function closeContext(ctx: DomainContext): Promise<void> {
  await ctx.background.close();
  await ctx.mailer.close();
  await ctx.events.close();
}
