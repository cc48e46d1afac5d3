import { Counter, Histogram, type Registry } from 'prom-client';
import type { Telemetry } from '../domain/telemetry.js';

/** The domain's telemetry as Prometheus series in the app's registry. */
export class PrometheusTelemetry implements Telemetry {
  private readonly logins: Counter<'result'>;
  private readonly lockouts: Counter;
  private readonly refreshReuse: Counter;
  private readonly hashDuration: Histogram;

  constructor(registry: Registry) {
    const registers = [registry];
    this.logins = new Counter({
      name: 'gatehouse_logins_total',
      help: 'Password logins by result: success, or the reason the login failed',
      labelNames: ['result'],
      registers,
    });
    this.lockouts = new Counter({ name: 'gatehouse_lockouts_total', help: 'Identifiers locked by a run of failed logins', registers });
    this.refreshReuse = new Counter({
      name: 'gatehouse_refresh_token_reuse_total',
      help: 'Spent refresh tokens presented again (each revoked its session)',
      registers,
    });
    // argon2id at the OWASP parameters takes tens of milliseconds; seconds mean the thread pool is saturated.
    this.hashDuration = new Histogram({
      name: 'gatehouse_password_hash_duration_seconds',
      help: 'Time of one password hash or verification, queueing excluded',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
  }

  loginAttempt(result: string): void {
    this.logins.inc({ result });
  }

  accountLocked(): void {
    this.lockouts.inc();
  }

  refreshReuseDetected(): void {
    this.refreshReuse.inc();
  }

  passwordHashed(seconds: number): void {
    this.hashDuration.observe(seconds);
  }
}
