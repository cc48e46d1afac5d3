export type Environment = 'development' | 'production' | 'test';

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
  readonly secretKey: string;
  readonly jwtAudience: string;
  readonly accessTokenTtlSeconds: number;
  readonly refreshTokenTtlSeconds: number;
  readonly refreshGraceSeconds: number;
  readonly registrationOpen: boolean;
  readonly password: { readonly minLength: number; readonly requireClasses: boolean };
  readonly argon2: { readonly memoryCost: number; readonly timeCost: number; readonly parallelism: number };
  readonly admin: { readonly email: string; readonly password: string } | undefined;
  readonly logLevel: string;
  readonly trustProxy: boolean;
  readonly shutdownTimeoutMs: number;
}
