import { describe, expect, it } from 'vitest';
import { type UsageBatch, UsageCollector } from '../../src/domain/analytics/usage-collector.js';
import { FrozenClock } from '../helpers/clock.js';

/**
 * The collector's flush policy, against a store that fails or is slow on demand (the database-backed path is
 * covered over HTTP in test/api/analytics.test.ts): failed flushes keep their counts, memory stays bounded while
 * nothing can be written, and flushes never overlap, so no count is written twice.
 */

const MINUTE = 60_000;

/** A store that records what it is given, failing while `failing` is set. */
function recordingStore() {
  const written: UsageBatch[] = [];
  const store = {
    failing: false,
    written,
    write: async (batch: UsageBatch) => {
      if (store.failing) throw new Error('database away');
      written.push(structuredClone(batch));
    },
    total: (metric: string, route = '') =>
      written.flatMap((batch) => batch.minutes).filter((row) => row.metric === metric && row.route === route).reduce((sum, row) => sum + row.count, 0),
  };
  return store;
}

const request = (route = 'GET /a', status = 200, userId?: string) => ({ route, status, userId });

describe('usage collector', () => {
  it('keeps the counts of a failed flush, adds what came meanwhile, and writes them once when the store is back', async () => {
    const store = recordingStore();
    const collector = new UsageCollector(store.write, new FrozenClock(0), { enabled: true });
    collector.request(request('GET /a', 200, 'u1'));
    collector.count('logins');
    store.failing = true;
    await expect(collector.flush()).rejects.toThrow('database away');
    collector.request(request('GET /a', 500, 'u1'));
    store.failing = false;
    await collector.flush();
    await collector.flush();
    expect(store.written).toHaveLength(1);
    expect(store.total('requests')).toBe(2);
    expect(store.total('requests', 'GET /a')).toBe(2);
    expect(store.total('errors')).toBe(1);
    expect(store.total('logins')).toBe(1);
    expect(store.written[0]?.users).toEqual([{ userId: 'u1', requests: 2, lastSeenAt: 0 }]);
  });

  it('bounds memory while nothing can be written: new keys past the bound are dropped and reported, known ones still count', async () => {
    const store = recordingStore();
    const clock = new FrozenClock(0);
    const collector = new UsageCollector(store.write, clock, { enabled: true, maxMinuteRows: 4, maxUsers: 1 });
    store.failing = true;
    collector.request(request('GET /a', 200, 'u1')); // rows: requests '' and requests GET /a
    collector.request(request('GET /b', 200, 'u2')); // one more row; u2 has no room
    await expect(collector.flush()).rejects.toThrow();
    clock.advance(MINUTE);
    collector.request(request('GET /a')); // a new minute: its total row fits (4 rows), GET /a's does not
    collector.request(request('GET /b', 200, 'u1')); // the total counts on; GET /b's row has no room; u1 is known
    expect(collector.takeDropped()).toBe(3); // u2's request, and the two route rows of the new minute
    expect(collector.takeDropped()).toBe(0);
    store.failing = false;
    await collector.flush();
    const minutes = store.written[0]?.minutes ?? [];
    expect(minutes.length).toBe(4);
    expect(store.written[0]?.users).toEqual([{ userId: 'u1', requests: 2, lastSeenAt: MINUTE }]);
  });

  it('runs one flush at a time: a flush asked for during a slow one waits for it, then writes only what came after', async () => {
    const written: number[] = [];
    const events: string[] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let started: () => void = () => {};
    const writing = new Promise<void>((resolve) => {
      started = resolve;
    });
    const collector = new UsageCollector(
      async (batch) => {
        events.push('start');
        started();
        await gate;
        events.push('end');
        written.push(batch.minutes.find((row) => row.metric === 'requests' && row.route === '')?.count ?? 0);
      },
      new FrozenClock(0),
      { enabled: true },
    );
    for (let i = 0; i < 3; i++) collector.request(request());
    const first = collector.flush();
    await writing;
    collector.request(request());
    const second = collector.flush();
    release();
    await Promise.all([first, second]);
    expect(written).toEqual([3, 1]);
    expect(events).toEqual(['start', 'end', 'start', 'end']);
  });

  it('counts nothing when disabled', async () => {
    const store = recordingStore();
    const collector = new UsageCollector(store.write, new FrozenClock(0), { enabled: false });
    collector.request(request('GET /a', 500, 'u1'));
    collector.count('signups');
    await collector.flush();
    expect(store.written).toEqual([]);
  });
});
