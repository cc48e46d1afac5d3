import type { Logger } from 'pino';
import type { BackgroundTasks } from '../background-tasks.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config/config.js';
import type { Repositories } from '../db/repositories/repositories.js';
import type { AccessTokens } from '../security/access-tokens.js';
import type { KeyRing } from '../security/key-ring.js';
import type { PasswordHasher } from '../security/password-hasher.js';
import type { SecretKeys } from '../security/secret-keys.js';
import type { SessionCookies } from '../security/session-cookies.js';
import type { Mailer } from '../mail/mailer.js';
import type { AttemptCounters } from '../store/attempt-counters.js';
import type { EventsBus } from '../store/events-bus.js';
import type { RateLimitCounters } from '../store/rate-limit-counters.js';
import type { RevokedSessions } from '../store/revoked-sessions.js';
import type { WsTickets } from '../store/ws-tickets.js';
import type { UserCache } from './accounts/user-cache.js';
import type { UsageCollector } from './analytics/usage-collector.js';
import type { ApiKeyCache } from './api-keys/api-key-cache.js';
import type { LastUse } from './last-use.js';
import type { Telemetry } from './telemetry.js';

/** Everything a use-case may touch. Built once per process (HTTP and CLI alike) by createContext. */
export interface DomainContext {
  readonly config: Config;
  readonly clock: Clock;
  readonly repos: Repositories;
  /** Maps a unique-index violation to the index name (engine-specific, from db/database.ts). */
  readonly uniqueViolation: (error: unknown) => string | undefined;
  readonly hasher: PasswordHasher;
  readonly secrets: SecretKeys;
  readonly keyRing: KeyRing;
  readonly accessTokens: AccessTokens;
  readonly sessionCookies: SessionCookies;
  readonly events: EventsBus;
  readonly revokedSessions: RevokedSessions;
  readonly users: UserCache;
  readonly apiKeys: ApiKeyCache;
  readonly newId: () => string;
  readonly log: Logger;
  readonly mailer: Mailer;
  /** Failed-login counters for lockout (memory, or Redis shared by every instance). */
  readonly attempts: AttemptCounters;
  /** Request counters for rate limits (memory, or Redis with this process's memory as insurance). */
  readonly rateLimits: RateLimitCounters;
  /** Single-use WebSocket tickets (memory, or Redis so that any instance redeems them). */
  readonly wsTickets: WsTickets;
  readonly background: BackgroundTasks;
  /** Last use of sessions and API keys, written to the database by a job. */
  readonly sessionUse: LastUse;
  readonly apiKeyUse: LastUse;
  /** Counters and timings for operators (Prometheus over HTTP; nothing in the CLI). */
  readonly telemetry: Telemetry;
  /** Usage analytics counted in memory (requests by the HTTP hook; logins and sign-ups by the use-cases), flushed by a job. */
  readonly usage: UsageCollector;
}
