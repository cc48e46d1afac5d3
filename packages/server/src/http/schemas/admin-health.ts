import { Type } from 'typebox';
import type { HealthReport, Probe } from '../../health/health-report.js';

const Milliseconds = Type.Number({ minimum: 0 });
const Bytes = Type.Integer({ minimum: 0 });
const State = Type.Union([Type.Literal('ok'), Type.Literal('error'), Type.Literal('disabled')]);

export const AdminHealthResponse = Type.Object(
  {
    status: Type.Union([Type.Literal('ok'), Type.Literal('degraded'), Type.Literal('unavailable')], {
      description: 'unavailable: the database does not answer; degraded: Redis or the SMTP server does not',
    }),
    version: Type.String(),
    uptime_seconds: Type.Integer({ minimum: 0, description: 'Since this process started' }),
    database: Type.Object({ status: Type.Union([Type.Literal('ok'), Type.Literal('error')]), latency_ms: Milliseconds }),
    redis: Type.Object(
      { status: State, latency_ms: Type.Optional(Milliseconds) },
      { description: 'disabled: no REDIS_URL (counters and events live in this process)' },
    ),
    mail: Type.Object(
      { status: State },
      { description: 'ok: the SMTP server accepted a connection within the last minute; disabled: no SMTP server configured' },
    ),
    memory: Type.Object({ rss_bytes: Bytes, heap_used_bytes: Bytes, heap_total_bytes: Bytes }),
    event_loop_lag_ms: Type.Number({ minimum: 0, description: 'How long a callback queued at the time of the request waited for the event loop' }),
  },
  { title: 'AdminHealth' },
);

export function toAdminHealthResponse(report: HealthReport) {
  return {
    status: report.status,
    version: report.version,
    uptime_seconds: report.uptimeSeconds,
    database: { status: report.database.status === 'ok' ? ('ok' as const) : ('error' as const), latency_ms: report.database.latencyMs ?? 0 },
    redis: { status: report.redis.status, ...latency(report.redis) },
    mail: { status: report.mail.status },
    memory: { rss_bytes: report.memory.rssBytes, heap_used_bytes: report.memory.heapUsedBytes, heap_total_bytes: report.memory.heapTotalBytes },
    event_loop_lag_ms: report.eventLoopLagMs,
  };
}

function latency(probe: Probe): { latency_ms?: number } {
  return probe.latencyMs === undefined ? {} : { latency_ms: probe.latencyMs };
}
