import type { Actor } from './actor.js';

/**
 * The details of an audit entry for an administrative change. A change made at the command line has no actor id,
 * so the entry says `via: 'cli'` instead: the trail still tells it apart from one the system made by itself.
 */
export function actorDetails(actor: Actor, details: Record<string, unknown> = {}): Record<string, unknown> {
  return actor.via === 'cli' ? { ...details, via: 'cli' } : details;
}
