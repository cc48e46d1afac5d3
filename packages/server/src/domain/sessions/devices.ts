import type { Client } from '../../db/repositories/client-repository.js';
import type { DomainContext } from '../context.js';

/** The devices (client ids) the user has signed in from, most recently seen first. */
export function listDevices(ctx: DomainContext, userId: string): Promise<Client[]> {
  return ctx.repos.clients.listForUser(userId);
}
