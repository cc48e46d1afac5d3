import { Registry } from 'prom-client';
import { type DependencySources, registerDependencyGauges } from './dependency-gauges.js';
import { HttpMetrics } from './http-metrics.js';
import { processMetrics } from './process-metrics.js';
import { PrometheusTelemetry } from './prometheus-telemetry.js';

/** One app's metrics: its own registry (never prom-client's global one), so apps in one process never mix counts. */
export interface AppMetrics {
  readonly telemetry: PrometheusTelemetry;
  readonly http: HttpMetrics;
  readonly contentType: string;
  /** The Prometheus text exposition of this app's series and the process's. */
  render(): Promise<string>;
  close(): void;
}

export function createAppMetrics(sources: DependencySources): AppMetrics {
  const registry = new Registry();
  const telemetry = new PrometheusTelemetry(registry);
  const http = new HttpMetrics(registry);
  registerDependencyGauges(registry, sources);
  // Merging copies references to the metrics: the app's series and the shared process ones, scraped together.
  const scraped = Registry.merge([processMetrics(), registry]);
  return {
    telemetry,
    http,
    contentType: scraped.contentType,
    render: () => scraped.metrics(),
    close() {
      scraped.clear();
      registry.clear();
    },
  };
}
