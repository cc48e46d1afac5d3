/**
 * What the use-cases report for operators to watch (counters and timings). A port: the domain says what happened,
 * an adapter (src/metrics/prometheus-telemetry.ts) decides how it is exported. Every method is called on request
 * paths, so an implementation must be cheap and must never throw.
 */
export interface Telemetry {
  /** `success`, or the failure's reason as login history records it (`bad_password`, `unknown_user`, `locked`, …). */
  loginAttempt(result: string): void;
  /** A run of failed logins has just locked an identifier. */
  accountLocked(): void;
  /** A spent refresh token was presented again outside the grace window (its session was revoked). */
  refreshReuseDetected(): void;
  /** One password hash or verification took this long (queueing excluded). */
  passwordHashed(seconds: number): void;
}

/** For the CLI and anything else that exports nothing. */
export const noTelemetry: Telemetry = {
  loginAttempt: () => {},
  accountLocked: () => {},
  refreshReuseDetected: () => {},
  passwordHashed: () => {},
};
