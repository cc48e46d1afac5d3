import { Counter, Histogram, type Registry } from 'prom-client';

/** The route label of a request that matched no route (404s, scans): one series, whatever the URL. */
export const UNMATCHED_ROUTE = 'unmatched';

interface Labels {
  readonly counted: { readonly method: string; readonly route: string; readonly status_code: string };
  readonly timed: { readonly method: string; readonly route: string };
}

/**
 * Requests by method, route template and status, and their latency. The route is the template (`/api/v1/users/:id`),
 * never the URL, so the number of series is bounded by the route table. Label objects are built once per
 * combination and reused: observe() runs after every response.
 */
export class HttpMetrics {
  private readonly requests: Counter<'method' | 'route' | 'status_code'>;
  private readonly duration: Histogram<'method' | 'route'>;
  private readonly labels = new Map<string, Labels>();

  constructor(registry: Registry) {
    this.requests = new Counter({
      name: 'gatehouse_http_requests_total',
      help: 'HTTP requests answered, by method, route template and status code',
      labelNames: ['method', 'route', 'status_code'],
      registers: [registry],
    });
    this.duration = new Histogram({
      name: 'gatehouse_http_request_duration_seconds',
      help: 'Time from receiving a request to finishing its answer, by method and route template',
      labelNames: ['method', 'route'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    });
  }

  observe(method: string, route: string | undefined, status: number, seconds: number): void {
    const template = route ?? UNMATCHED_ROUTE;
    const key = `${status} ${method} ${template}`;
    let labels = this.labels.get(key);
    if (!labels) {
      labels = { counted: { method, route: template, status_code: String(status) }, timed: { method, route: template } };
      this.labels.set(key, labels);
    }
    this.requests.inc(labels.counted);
    this.duration.observe(labels.timed, seconds);
  }
}
