export type Environment = 'development' | 'production' | 'test';

/** Where mail goes: an SMTP URL, or host and port with optional credentials. */
export type SmtpTarget =
  | { readonly url: string }
  | { readonly host: string; readonly port: number; readonly user: string | undefined; readonly password: string | undefined };

export type DatabaseTarget =
  | { readonly kind: 'sqlite'; readonly path: string }
  | { readonly kind: 'postgres'; readonly url: string; readonly schema?: string };

/** The validated, frozen settings. Only config/ reads the environment; everything else receives this. */
export interface Config {
  readonly environment: Environment;
  readonly host: string;
  readonly port: number;
  /** Also the `iss` of every access token. */
  readonly publicUrl: string;
  readonly dataDir: string;
  readonly database: DatabaseTarget;
  readonly redisUrl: string | undefined;
  /** Start of every Redis key and channel name. */
  readonly redisKeyPrefix: string;
  readonly secretKey: string;
  readonly jwtAudience: string;
  readonly accessTokenTtlSeconds: number;
  readonly refreshTokenTtlSeconds: number;
  readonly refreshGraceSeconds: number;
  /** undefined: sessions do not time out for idleness. */
  readonly sessionIdleMs: number | undefined;
  readonly apiKeyQueryParam: boolean;
  readonly cookieSecure: boolean;
  /** Origins allowed to make cookie-authenticated and credentialed CORS requests, PUBLIC_URL's included. */
  readonly allowedOrigins: readonly string[];
  readonly registrationOpen: boolean;
  /** The fastapi-users style routes at the root (API.md "Compatibility routes"). */
  readonly compatRoutes: boolean;
  readonly password: { readonly minLength: number; readonly requireClasses: boolean };
  readonly argon2: { readonly memoryCost: number; readonly timeCost: number; readonly parallelism: number };
  readonly threadPoolSize: number;
  readonly requireEmailVerification: boolean;
  readonly emailVerificationTtlSeconds: number;
  readonly passwordResetTtlSeconds: number;
  /** Link templates with a `{token}` placeholder. */
  readonly links: { readonly emailVerification: string; readonly passwordReset: string };
  readonly mail: {
    /** undefined: no SMTP configured (development logs mail; other environments cannot deliver it). */
    readonly smtp: SmtpTarget | undefined;
    readonly from: { readonly email: string; readonly name: string };
  };
  readonly lockout: { readonly enabled: boolean; readonly threshold: number; readonly durationMs: number };
  readonly loginHistoryRetentionMs: number;
  readonly rateLimits: {
    readonly enabled: boolean;
    /** Requests per window for a `user` (and a `guest`); admins get these times adminMultiplier. */
    readonly user: { readonly perMinute: number; readonly perHour: number; readonly perDay: number };
    readonly adminMultiplier: number;
    readonly anonymousPerMinute: number;
  };
  /** Usage analytics: counted in memory, written every flushMs, minute rows kept retentionMs. */
  readonly analytics: { readonly enabled: boolean; readonly flushMs: number; readonly retentionMs: number };
  readonly admin: { readonly email: string; readonly password: string } | undefined;
  readonly logLevel: string;
  /** Bearer token GET /metrics asks for; undefined: /metrics is open. */
  readonly metricsToken: string | undefined;
  readonly trustProxy: boolean;
  readonly shutdownTimeoutMs: number;
}
