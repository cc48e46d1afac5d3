import { VERSION } from '../version.js';

export type DependencyState = 'ok' | 'error' | 'disabled';

/** How to reach each dependency; each resolves when it answers and rejects when it does not. */
export interface DependencyChecks {
  database(): Promise<void>;
  /** Undefined when no Redis is configured. */
  readonly redis?: () => Promise<void>;
  /** Undefined when no SMTP server is configured. */
  readonly mail?: () => Promise<void>;
}

export interface Probe {
  readonly status: DependencyState;
  /** How long the check took (until it failed or timed out, for an error); absent when disabled. */
  readonly latencyMs?: number;
}

export interface HealthReport {
  readonly status: 'ok' | 'degraded' | 'unavailable';
  readonly version: string;
  readonly uptimeSeconds: number;
  readonly database: Probe;
  readonly redis: Probe;
  readonly mail: Probe;
  readonly memory: { readonly rssBytes: number; readonly heapUsedBytes: number; readonly heapTotalBytes: number };
  readonly eventLoopLagMs: number;
}

/** Past this a dependency counts as down: an operator's view must answer even when one hangs. */
const CHECK_TIMEOUT_MS = 2_000;

/**
 * Every dependency checked at once, each bounded by a timeout; a failing one is reported, never thrown. Like
 * readiness: without the database the server cannot serve, without Redis or mail it serves degraded.
 */
export async function readHealthReport(checks: DependencyChecks): Promise<HealthReport> {
  const [database, redis, mail, eventLoopLagMs] = await Promise.all([probe(checks.database), probe(checks.redis), probe(checks.mail), eventLoopLag()]);
  const memory = process.memoryUsage();
  const degraded = redis.status === 'error' || mail.status === 'error';
  return {
    status: database.status !== 'ok' ? 'unavailable' : degraded ? 'degraded' : 'ok',
    version: VERSION,
    uptimeSeconds: Math.floor(process.uptime()),
    database,
    redis,
    mail,
    memory: { rssBytes: memory.rss, heapUsedBytes: memory.heapUsed, heapTotalBytes: memory.heapTotal },
    eventLoopLagMs,
  };
}

async function probe(check: (() => Promise<void>) | undefined): Promise<Probe> {
  if (!check) return { status: 'disabled' };
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timeout')), CHECK_TIMEOUT_MS);
  });
  try {
    await Promise.race([check(), timeout]);
    return { status: 'ok', latencyMs: elapsedSince(started) };
  } catch {
    return { status: 'error', latencyMs: elapsedSince(started) };
  } finally {
    clearTimeout(timer);
  }
}

/** How long a callback queued now waits for the event loop (one sample: what is queued ahead of it right now). */
function eventLoopLag(): Promise<number> {
  const started = performance.now();
  return new Promise((resolve) => setImmediate(() => resolve(elapsedSince(started))));
}

function elapsedSince(started: number): number {
  return Math.round((performance.now() - started) * 1000) / 1000;
}
