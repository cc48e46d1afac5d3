import type { FastifyRequest } from 'fastify';
import { type PageRequest, pageRequest } from '../domain/page.js';
import type { PageQueryString } from './schemas.js';

/** The Gatehouse user the request acts for; only called behind `requireCaller`, which guarantees there is one. */
export function ownerOf(request: FastifyRequest): string {
  if (request.caller === null) throw new Error('ownerOf() on a route without requireCaller');
  return request.caller.userId;
}

export function pageOf(query: PageQueryString): PageRequest {
  return pageRequest(query.limit === undefined ? undefined : Number(query.limit), query.cursor);
}
