import type { Logger } from 'pino';

/**
 * Work a request starts but does not wait for (so its answer and timing do not depend on it). Failures are logged;
 * close() waits for what is still running, so shutdown never cuts a database write in half.
 */
export class BackgroundTasks {
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly log: Logger) {}

  run(name: string, work: () => Promise<void>): void {
    const task = work()
      .catch((error: unknown) => this.log.error({ err: error, task: name }, 'background task failed'))
      .finally(() => this.running.delete(task));
    this.running.add(task);
  }

  async close(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }
}
