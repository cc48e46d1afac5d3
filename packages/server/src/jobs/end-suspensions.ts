import { endExpiredSuspensions } from '../domain/accounts/suspension.js';
import type { DomainContext } from '../domain/context.js';
import type { PeriodicJob } from './periodic.js';

export function endSuspensions(ctx: DomainContext): PeriodicJob {
  return { name: 'end-suspensions', everyMs: 60_000, run: () => endExpiredSuspensions(ctx) };
}
