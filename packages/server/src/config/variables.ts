import { boolean, httpUrl, integer, linkTemplate, oneOf, originList, type Parser, redisUrl, smtpUrl, text } from './parsers.js';

/**
 * Every environment variable Gatehouse reads, with its default and meaning.
 * docs/configuration.md and .env.example are kept equal to this table by a test.
 */
export interface Variable<T = unknown> {
  readonly name: string;
  readonly aliases?: readonly string[];
  /** Shown in the docs; undefined means "unset". */
  readonly default: string | undefined;
  readonly description: string;
  readonly parse: Parser<T>;
}

function variable<T>(spec: Variable<T>): Variable<T> {
  return spec;
}

export const VARIABLES = {
  environment: variable({
    name: 'ENVIRONMENT',
    default: 'development',
    description: '`development`, `production` or `test`. Production refuses a missing or weak secret and never shows DEV ONLY tokens.',
    parse: oneOf('development', 'production', 'test'),
  }),
  host: variable({ name: 'HOST', default: '0.0.0.0', description: 'Address to listen on.', parse: text }),
  port: variable({ name: 'PORT', default: '8000', description: 'TCP port to listen on.', parse: integer(0, 65535) }),
  publicUrl: variable({
    name: 'PUBLIC_URL',
    default: 'http://localhost:<PORT>',
    description:
      'The URL clients reach this server at. It is the `iss` of every token and the base of links in mail; never taken from request headers.',
    parse: httpUrl,
  }),
  dataDir: variable({
    name: 'DATA_DIR',
    default: './data',
    description: 'Directory for the default SQLite database and the development secret.',
    parse: text,
  }),
  databaseUrl: variable({
    name: 'DATABASE_URL',
    default: 'sqlite:<DATA_DIR>/gatehouse.db',
    description: '`sqlite:relative/path.db`, `sqlite:///absolute/path.db` or `postgres://user:pass@host:5432/db`.',
    parse: text,
  }),
  redisUrl: variable({
    name: 'REDIS_URL',
    default: undefined,
    description: '`redis://host:6379`. When set, every instance (and the CLI) shares lockout and rate-limit counters and the events bus (revocations, user changes) through it; readiness checks it too.',
    parse: redisUrl,
  }),
  redisKeyPrefix: variable({
    name: 'REDIS_KEY_PREFIX',
    default: 'gh:',
    description: 'Start of every Redis key and channel name, so that several deployments (or test runs) can share one Redis.',
    parse: text,
  }),
  secretKey: variable({
    name: 'AUTH_SECRET_KEY',
    aliases: ['SECRET_KEY'],
    default: undefined,
    description:
      'At least 32 characters. Encrypts signing keys and keys token hashes. Required in production; in development a random one is generated once and kept in `DATA_DIR/secret.key`.',
    parse: text,
  }),
  jwtAudience: variable({ name: 'JWT_AUDIENCE', default: 'gatehouse', description: 'The `aud` of access tokens.', parse: text }),
  accessTokenMinutes: variable({
    name: 'ACCESS_TOKEN_EXPIRE_MINUTES',
    default: '30',
    description: 'Lifetime of access tokens.',
    parse: integer(1, 1440),
  }),
  refreshTokenDays: variable({
    name: 'REFRESH_TOKEN_EXPIRE_DAYS',
    default: '7',
    description: 'Absolute lifetime of a login: refresh tokens stop working this long after the login, however often they are rotated.',
    parse: integer(1, 365),
  }),
  refreshGraceSeconds: variable({
    name: 'REFRESH_REUSE_GRACE_SECONDS',
    default: '10',
    description:
      'A refresh token replayed this soon after its rotation, while its successor is unused, gets the same successor back instead of revoking the session. 0 turns the grace off.',
    parse: integer(0, 60),
  }),
  sessionIdleMinutes: variable({
    name: 'SESSION_IDLE_MINUTES',
    default: '0',
    description:
      'End a session unused for this long (its refresh token stops working and its access tokens are refused). 0 turns the idle timeout off; activity is recorded to within a minute.',
    parse: integer(0, 525_600),
  }),
  apiKeyQueryParam: variable({
    name: 'API_KEY_QUERY_PARAM',
    default: 'false',
    description: 'Also accept API keys as `?api_key=` (for old clients; URLs end up in logs and histories). Keys are redacted from our logs either way.',
    parse: boolean,
  }),
  cookieSecure: variable({
    name: 'COOKIE_SECURE',
    default: 'false',
    description: 'Mark the session cookies `Secure` and name the session cookie `__Host-gh_session`. Turn on whenever clients reach Gatehouse over HTTPS.',
    parse: boolean,
  }),
  allowedOrigins: variable({
    name: 'ALLOWED_ORIGINS',
    default: undefined,
    description:
      'Comma-separated exact origins (`https://app.example.com`) allowed to call with cookies (CSRF check) and by CORS with credentials; the origin of `PUBLIC_URL` is always allowed.',
    parse: originList,
  }),
  registration: variable({
    name: 'REGISTRATION',
    default: 'open',
    description: '`open` lets anyone register; `closed` answers 403 `registration_closed`.',
    parse: oneOf('open', 'closed'),
  }),
  compatRoutes: variable({
    name: 'COMPAT_ROUTES',
    default: 'true',
    description:
      'Serve the compatibility routes for clients of fastapi-users back ends (`POST /auth/jwt/login`, `/auth/cookie/login`, `/auth/logout`, `GET/PATCH /api/users/me`, `POST /api/create_user`). `false` removes them (404).',
    parse: boolean,
  }),
  passwordMinLength: variable({
    name: 'PASSWORD_MIN_LENGTH',
    default: '8',
    description: 'Minimum password length in Unicode code points (8 to 128). NIST SP 800-63B-4 asks for 15 where the password is the only factor.',
    parse: integer(8, 128),
  }),
  passwordRequireClasses: variable({
    name: 'PASSWORD_REQUIRE_CLASSES',
    default: 'false',
    description: 'When true, passwords also need an upper-case letter, a lower-case letter, a digit and a symbol.',
    parse: boolean,
  }),
  argon2MemoryKib: variable({
    name: 'ARGON2_MEMORY_KIB',
    default: '19456',
    description: 'argon2id memory cost in KiB (OWASP minimum 19456).',
    parse: integer(1024, 4194304),
  }),
  argon2TimeCost: variable({ name: 'ARGON2_TIME_COST', default: '2', description: 'argon2id iterations.', parse: integer(1, 100) }),
  argon2Parallelism: variable({ name: 'ARGON2_PARALLELISM', default: '1', description: 'argon2id lanes.', parse: integer(1, 16) }),
  threadPoolSize: variable({
    name: 'UV_THREADPOOL_SIZE',
    default: '4',
    description:
      "Node's own setting for its thread pool, read by Node from the process environment at start (a .env file cannot set it). Password hashing uses all but one of its threads, at most one more than the cores; on more than 3 cores raise it to cores + 2.",
    parse: integer(2, 1024),
  }),
  requireEmailVerification: variable({
    name: 'REQUIRE_EMAIL_VERIFICATION',
    default: 'false',
    description: 'When true, an account whose email is not verified cannot log in (403 `email_not_verified` after a correct password).',
    parse: boolean,
  }),
  emailVerificationHours: variable({
    name: 'EMAIL_VERIFICATION_TOKEN_EXPIRE_HOURS',
    default: '24',
    description: 'Lifetime of email verification tokens.',
    parse: integer(1, 168),
  }),
  passwordResetHours: variable({
    name: 'PASSWORD_RESET_TOKEN_EXPIRE_HOURS',
    default: '1',
    description: 'Lifetime of password reset tokens.',
    parse: integer(1, 24),
  }),
  emailVerificationUrl: variable({
    name: 'EMAIL_VERIFICATION_URL',
    default: '<PUBLIC_URL>/verify-email#token={token}',
    description:
      'The link in verification mail; `{token}` is replaced by the token. The default keeps the token in the fragment, out of server logs and Referer headers.',
    parse: linkTemplate,
  }),
  passwordResetUrl: variable({
    name: 'PASSWORD_RESET_URL',
    default: '<PUBLIC_URL>/reset-password#token={token}',
    description: 'The link in password reset mail; `{token}` is replaced by the token.',
    parse: linkTemplate,
  }),
  smtpUrl: variable({
    name: 'SMTP_URL',
    default: undefined,
    description: '`smtp://user:pass@host:587` (STARTTLS when offered) or `smtps://…:465`. Takes precedence over `SMTP_HOST`.',
    parse: smtpUrl,
  }),
  smtpHost: variable({ name: 'SMTP_HOST', default: undefined, description: 'SMTP server host, when `SMTP_URL` is not used.', parse: text }),
  smtpPort: variable({ name: 'SMTP_PORT', default: '587', description: 'SMTP port; 465 means TLS from the start.', parse: integer(1, 65535) }),
  smtpUser: variable({ name: 'SMTP_USER', default: undefined, description: 'SMTP user name, if the server wants one.', parse: text }),
  smtpPassword: variable({ name: 'SMTP_PASSWORD', default: undefined, description: 'SMTP password.', parse: text }),
  emailsFromEmail: variable({
    name: 'EMAILS_FROM_EMAIL',
    default: 'noreply@<PUBLIC_URL host>',
    description: 'Sender address of every mail.',
    parse: text,
  }),
  emailsFromName: variable({ name: 'EMAILS_FROM_NAME', default: 'Gatehouse', description: 'Sender name of every mail.', parse: text }),
  lockoutEnabled: variable({
    name: 'LOCKOUT_ENABLED',
    default: 'true',
    description: 'Lock a login identifier after repeated failures. Turn off only for benchmarks or trusted networks.',
    parse: boolean,
  }),
  lockoutThreshold: variable({
    name: 'LOCKOUT_THRESHOLD',
    default: '5',
    description: 'Consecutive failed logins for one identifier (an account, or an unknown identifier) that lock it.',
    parse: integer(1, 1000),
  }),
  lockoutMinutes: variable({
    name: 'LOCKOUT_MINUTES',
    default: '30',
    description: 'How long a lock lasts; failures older than this are forgotten.',
    parse: integer(1, 10_080),
  }),
  rateLimitEnabled: variable({
    name: 'RATE_LIMIT_ENABLED',
    default: 'true',
    description: 'Rate-limit requests per user, per API key and per client IP, and the abuse limits on login, registration, reset and refresh. `false` turns every limit off (benchmarks, trusted networks).',
    parse: boolean,
  }),
  rateLimitUserPerMinute: variable({
    name: 'RATE_LIMIT_USER_PER_MINUTE',
    default: '30',
    description: 'Requests a user (or each of their API keys) may make per minute, unless an administrator set their own limit.',
    parse: integer(1, 10_000_000),
  }),
  rateLimitUserPerHour: variable({
    name: 'RATE_LIMIT_USER_PER_HOUR',
    default: '500',
    description: 'Requests a user (or each of their API keys) may make per hour.',
    parse: integer(1, 10_000_000),
  }),
  rateLimitUserPerDay: variable({
    name: 'RATE_LIMIT_USER_PER_DAY',
    default: '5000',
    description: 'Requests a user (or each of their API keys) may make per day.',
    parse: integer(1, 10_000_000),
  }),
  rateLimitAdminMultiplier: variable({
    name: 'RATE_LIMIT_ADMIN_MULTIPLIER',
    default: '10',
    description: 'Admins get the user limits times this (a per-user limit set by an administrator replaces it).',
    parse: integer(1, 1000),
  }),
  rateLimitAnonymousPerMinute: variable({
    name: 'RATE_LIMIT_ANONYMOUS_PER_MINUTE',
    default: '60',
    description: 'Requests per minute from one client IP (IPv6: one /64) without credentials. The client IP is the peer address unless `TRUST_PROXY` is on.',
    parse: integer(1, 10_000_000),
  }),
  loginHistoryDays: variable({
    name: 'LOGIN_HISTORY_DAYS',
    default: '90',
    description: 'Login attempts older than this are purged (hourly).',
    parse: integer(1, 3650),
  }),
  analyticsEnabled: variable({
    name: 'ANALYTICS_ENABLED',
    default: 'true',
    description: 'Count requests, errors, logins and sign-ups per minute, per route and per user for `GET /admin/analytics`.',
    parse: boolean,
  }),
  analyticsFlushSeconds: variable({
    name: 'ANALYTICS_FLUSH_SECONDS',
    default: '10',
    description: 'How often the usage counted in memory is written to the database (and at shutdown).',
    parse: integer(1, 3600),
  }),
  analyticsRetentionDays: variable({
    name: 'ANALYTICS_RETENTION_DAYS',
    default: '90',
    description: 'Per-minute usage counts older than this are purged (hourly); per-user totals are kept.',
    parse: integer(1, 3650),
  }),
  adminEmail: variable({
    name: 'ADMIN_EMAIL',
    default: undefined,
    description: 'With `ADMIN_PASSWORD`, creates this admin at start when no user has the email (never overwrites).',
    parse: text,
  }),
  adminPassword: variable({ name: 'ADMIN_PASSWORD', default: undefined, description: 'Password of the bootstrap admin.', parse: text }),
  logLevel: variable({
    name: 'LOG_LEVEL',
    default: 'info',
    description: '`fatal`, `error`, `warn`, `info`, `debug`, `trace` or `silent`.',
    parse: oneOf('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'),
  }),
  metricsToken: variable({
    name: 'METRICS_TOKEN',
    default: undefined,
    description:
      'When set, `GET /metrics` asks for `Authorization: Bearer <METRICS_TOKEN>` (401 otherwise); unset, it is open to anyone who can reach it, so keep it off public networks.',
    parse: text,
  }),
  trustProxy: variable({
    name: 'TRUST_PROXY',
    default: 'false',
    description: 'Believe `X-Forwarded-For` for the client IP. Leave off unless a proxy you control sets it.',
    parse: boolean,
  }),
  shutdownTimeoutSeconds: variable({
    name: 'SHUTDOWN_TIMEOUT_SECONDS',
    default: '10',
    description: 'On SIGTERM/SIGINT, how long requests in flight may take before the process exits anyway.',
    parse: integer(1, 300),
  }),
} as const;

export type VariableKey = keyof typeof VARIABLES;
