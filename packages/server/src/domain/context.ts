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
import type { RevokedSessions } from '../store/revoked-sessions.js';
import type { UserCache } from './accounts/user-cache.js';
import type { ApiKeyCache } from './api-keys/api-key-cache.js';
import type { LastUse } from './last-use.js';

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
  readonly background: BackgroundTasks;
  /** Last use of sessions and API keys, written to the database by a job. */
  readonly sessionUse: LastUse;
  readonly apiKeyUse: LastUse;
}
