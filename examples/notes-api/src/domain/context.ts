import type { Repositories } from '../db/repositories/repositories.js';
import type { MessageFeed } from './message-feed.js';

/** What every use-case receives. The caller's identity is never in here: each use-case takes `ownerId` itself. */
export interface NotesContext {
  readonly repos: Repositories;
  readonly feed: MessageFeed;
  /** Milliseconds since the epoch. */
  readonly now: () => number;
  /** Tells a duplicate-key failure from any other (the one engine difference a use-case needs). */
  readonly isUniqueViolation: (error: unknown) => boolean;
}

export const isoNow = (ctx: NotesContext) => new Date(ctx.now()).toISOString();
