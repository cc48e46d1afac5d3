import { Gauge, type Registry } from 'prom-client';
import type { PoolStats } from '../db/database.js';

export interface DependencySources {
  /** PostgreSQL's pool; absent on SQLite (one connection, no pool), and the series are then left out. */
  readonly poolStats?: () => PoolStats;
  /** The Redis client's connection state (ioredis `status`); absent without Redis. */
  readonly redisStatus?: () => string;
}

/** Gauges read when scraped, never on a request path. */
export function registerDependencyGauges(registry: Registry, sources: DependencySources): void {
  const registers = [registry];
  const { poolStats, redisStatus } = sources;
  if (poolStats) {
    new Gauge({
      name: 'gatehouse_db_pool_connections',
      help: 'Database pool connections, by state (total: open; idle: open and unused)',
      labelNames: ['state'],
      registers,
      collect() {
        const stats = poolStats();
        this.set({ state: 'total' }, stats.total);
        this.set({ state: 'idle' }, stats.idle);
      },
    });
    new Gauge({
      name: 'gatehouse_db_pool_waiting_queries',
      help: 'Queries waiting for a database connection',
      registers,
      collect() {
        this.set(poolStats().waiting);
      },
    });
  }
  if (redisStatus) {
    new Gauge({
      name: 'gatehouse_redis_up',
      help: '1 while the Redis connection is ready, 0 otherwise',
      registers,
      collect() {
        this.set(redisStatus() === 'ready' ? 1 : 0);
      },
    });
  }
}
