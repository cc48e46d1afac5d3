import { collectDefaultMetrics, Registry } from 'prom-client';

/** How often the event-loop delay is sampled (ms): the resolution of the nodejs_eventloop_lag_* series. */
const EVENT_LOOP_RESOLUTION_MS = 20;

let shared: Registry | undefined;

/**
 * The process's own series (CPU, memory, GC, handles, event-loop lag: prom-client's default metrics), in a registry
 * of their own made once per process. They describe the process, not an app, and their collectors (an event-loop
 * delay monitor, a GC observer) cannot be stopped: one set per app would leak a set with every app closed, and
 * tests build many apps in one process. Each app's registry is merged with this one when it is scraped.
 */
export function processMetrics(): Registry {
  if (!shared) {
    shared = new Registry();
    collectDefaultMetrics({ register: shared, eventLoopMonitoringPrecision: EVENT_LOOP_RESOLUTION_MS });
  }
  return shared;
}
