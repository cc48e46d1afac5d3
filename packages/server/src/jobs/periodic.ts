import type { FastifyBaseLogger } from 'fastify';

export interface PeriodicJob {
  readonly name: string;
  readonly everyMs: number;
  run(): Promise<void>;
}

/** Runs jobs on timers that never keep the process alive; a failure is logged and retried next time. */
export function startJobs(jobs: readonly PeriodicJob[], log: FastifyBaseLogger): () => void {
  const timers = jobs.map((job) =>
    setInterval(() => {
      job.run().catch((error: unknown) => log.warn({ err: error, job: job.name }, 'background job failed'));
    }, job.everyMs).unref(),
  );
  return () => {
    for (const timer of timers) clearInterval(timer);
  };
}
