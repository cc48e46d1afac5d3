// Helpers the bench scripts share.
import { createServer } from 'node:net';

export const HOST = '127.0.0.1';

/** A TCP port free on HOST right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** The nearest-rank percentile `p` (0–100) of ascending `sorted`; NaN when there are no samples. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))];
}
