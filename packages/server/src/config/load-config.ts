import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import type { Config, DatabaseTarget, SmtpTarget } from './config.js';
import { ConfigError } from './config-error.js';
import { resolveSecretKey } from './secret-key.js';
import { VARIABLES, type Variable } from './variables.js';

export interface LoadedConfig {
  readonly config: Config;
  readonly warnings: readonly string[];
}

export interface LoadOptions {
  /** Defaults to process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Directory whose `.env` file is read (when present) and against which relative paths resolve. */
  readonly cwd?: string;
  /** Read `<cwd>/.env`; on by default only when env is process.env. */
  readonly dotenv?: boolean;
}

/** Reads every setting once, validates it and freezes the result. Throws ConfigError naming the variable. */
export function loadConfig(options: LoadOptions = {}): LoadedConfig {
  const cwd = options.cwd ?? process.cwd();
  const useDotenv = options.dotenv ?? options.env === undefined;
  const fileValues = useDotenv ? readDotenv(join(cwd, '.env')) : {};
  const env = { ...fileValues, ...(options.env ?? process.env) };

  const read = <T>(spec: Variable<T>): { value: T | undefined; name: string } => {
    for (const name of [spec.name, ...(spec.aliases ?? [])]) {
      const raw = env[name];
      if (raw !== undefined && raw.trim() !== '') return { value: spec.parse(raw, name), name };
    }
    return { value: undefined, name: spec.name };
  };
  const get = <T>(spec: Variable<T>): T => {
    const { value } = read(spec);
    if (value !== undefined) return value;
    if (spec.default === undefined || spec.default.includes('<')) throw new ConfigError(spec.name, 'is required');
    return spec.parse(spec.default, spec.name);
  };

  const environment = get(VARIABLES.environment);
  const port = get(VARIABLES.port);
  const dataDir = resolve(cwd, get(VARIABLES.dataDir));
  const secret = read(VARIABLES.secretKey);
  const { secret: secretKey, warning } = resolveSecretKey(secret.value, secret.name, environment, dataDir);
  const adminEmail = read(VARIABLES.adminEmail).value;
  const adminPassword = read(VARIABLES.adminPassword).value;
  if ((adminEmail === undefined) !== (adminPassword === undefined)) {
    throw new ConfigError(
      adminEmail === undefined ? 'ADMIN_EMAIL' : 'ADMIN_PASSWORD',
      'must be set together with the other of ADMIN_EMAIL / ADMIN_PASSWORD',
    );
  }

  const publicUrl = read(VARIABLES.publicUrl).value ?? `http://localhost:${port}`;
  const link = (spec: Variable<string>) => read(spec).value ?? (spec.default as string).replace('<PUBLIC_URL>', publicUrl);

  const config: Config = {
    environment,
    host: get(VARIABLES.host),
    port,
    publicUrl,
    dataDir,
    database: parseDatabaseUrl(read(VARIABLES.databaseUrl).value, dataDir, cwd),
    redisUrl: read(VARIABLES.redisUrl).value,
    redisKeyPrefix: get(VARIABLES.redisKeyPrefix),
    secretKey,
    jwtAudience: get(VARIABLES.jwtAudience),
    accessTokenTtlSeconds: get(VARIABLES.accessTokenMinutes) * 60,
    refreshTokenTtlSeconds: get(VARIABLES.refreshTokenDays) * 86_400,
    refreshGraceSeconds: get(VARIABLES.refreshGraceSeconds),
    sessionIdleMs: get(VARIABLES.sessionIdleMinutes) * 60_000 || undefined,
    apiKeyQueryParam: get(VARIABLES.apiKeyQueryParam),
    cookieSecure: get(VARIABLES.cookieSecure),
    allowedOrigins: [...new Set([new URL(publicUrl).origin, ...(read(VARIABLES.allowedOrigins).value ?? [])])],
    registrationOpen: get(VARIABLES.registration) === 'open',
    compatRoutes: get(VARIABLES.compatRoutes),
    password: { minLength: get(VARIABLES.passwordMinLength), requireClasses: get(VARIABLES.passwordRequireClasses) },
    argon2: {
      memoryCost: get(VARIABLES.argon2MemoryKib),
      timeCost: get(VARIABLES.argon2TimeCost),
      parallelism: get(VARIABLES.argon2Parallelism),
    },
    requireEmailVerification: get(VARIABLES.requireEmailVerification),
    emailVerificationTtlSeconds: get(VARIABLES.emailVerificationHours) * 3600,
    passwordResetTtlSeconds: get(VARIABLES.passwordResetHours) * 3600,
    links: { emailVerification: link(VARIABLES.emailVerificationUrl), passwordReset: link(VARIABLES.passwordResetUrl) },
    mail: {
      smtp: smtpTarget(read),
      from: {
        email: read(VARIABLES.emailsFromEmail).value ?? `noreply@${new URL(publicUrl).hostname}`,
        name: get(VARIABLES.emailsFromName),
      },
    },
    lockout: {
      enabled: get(VARIABLES.lockoutEnabled),
      threshold: get(VARIABLES.lockoutThreshold),
      durationMs: get(VARIABLES.lockoutMinutes) * 60_000,
    },
    loginHistoryRetentionMs: get(VARIABLES.loginHistoryDays) * 86_400_000,
    rateLimits: {
      enabled: get(VARIABLES.rateLimitEnabled),
      user: {
        perMinute: get(VARIABLES.rateLimitUserPerMinute),
        perHour: get(VARIABLES.rateLimitUserPerHour),
        perDay: get(VARIABLES.rateLimitUserPerDay),
      },
      adminMultiplier: get(VARIABLES.rateLimitAdminMultiplier),
      anonymousPerMinute: get(VARIABLES.rateLimitAnonymousPerMinute),
    },
    analytics: {
      enabled: get(VARIABLES.analyticsEnabled),
      flushMs: get(VARIABLES.analyticsFlushSeconds) * 1000,
      retentionMs: get(VARIABLES.analyticsRetentionDays) * 86_400_000,
    },
    threadPoolSize: get(VARIABLES.threadPoolSize),
    admin: adminEmail !== undefined && adminPassword !== undefined ? { email: adminEmail, password: adminPassword } : undefined,
    logLevel: get(VARIABLES.logLevel),
    metricsToken: read(VARIABLES.metricsToken).value,
    trustProxy: get(VARIABLES.trustProxy),
    shutdownTimeoutMs: get(VARIABLES.shutdownTimeoutSeconds) * 1000,
  };
  const warnings = warning ? [warning] : [];
  if (environment === 'production' && config.mail.smtp === undefined) {
    warnings.push('No SMTP server is configured (SMTP_URL or SMTP_HOST): verification and password-reset mail cannot be delivered.');
  }
  return { config: deepFreeze(config), warnings };
}

type Reader = <T>(spec: Variable<T>) => { value: T | undefined; name: string };

function smtpTarget(read: Reader): SmtpTarget | undefined {
  const url = read(VARIABLES.smtpUrl).value;
  if (url !== undefined) return { url };
  const host = read(VARIABLES.smtpHost).value;
  if (host === undefined) return undefined;
  return {
    host,
    port: read(VARIABLES.smtpPort).value ?? 587,
    user: read(VARIABLES.smtpUser).value,
    password: read(VARIABLES.smtpPassword).value,
  };
}

function readDotenv(path: string): Record<string, string> {
  return existsSync(path) ? parseDotenv(readFileSync(path)) : {};
}

export function parseDatabaseUrl(raw: string | undefined, dataDir: string, cwd: string): DatabaseTarget {
  if (raw === undefined) return { kind: 'sqlite', path: join(dataDir, 'gatehouse.db') };
  const value = raw.trim();
  if (/^postgres(ql)?:\/\//.test(value)) return { kind: 'postgres', url: value };
  if (value.startsWith('sqlite:')) {
    const rest = value.slice('sqlite:'.length);
    if (rest === ':memory:') throw new ConfigError('DATABASE_URL', 'must name a file; in-memory SQLite loses every account on restart');
    // sqlite:///abs/path.db (three slashes) is absolute; sqlite:rel/path.db is relative to the working directory.
    const path = rest.startsWith('///') ? rest.slice(2) : rest.replace(/^\/\//, '');
    if (path === '') throw new ConfigError('DATABASE_URL', 'names no file (expected sqlite:path/to/file.db)');
    return { kind: 'sqlite', path: isAbsolute(path) ? path : resolve(cwd, path) };
  }
  throw new ConfigError('DATABASE_URL', `must start with sqlite: or postgres:// (got "${value.replace(/:[^:@/]*@/, ':***@')}")`);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
