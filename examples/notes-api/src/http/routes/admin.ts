import type { FastifyPluginAsync } from 'fastify';
import { requireRole } from '@gatehouse/verify/fastify';
import { listChats } from '../../domain/chats.js';
import type { NotesContext } from '../../domain/context.js';
import { listDocuments } from '../../domain/documents.js';
import { pageOf } from '../request-values.js';
import { chatOut, documentSummaryOut, PageQuery, type PageQueryString, pageOut, params, responses } from '../schemas.js';

type UserParams = { Params: { userId: string }; Querystring: PageQueryString };

/**
 * The only way to read another user's data: explicit routes for Gatehouse admins (403 `forbidden` for everyone
 * else). They call the same use-cases as the owner's routes, with the user named in the path as the owner.
 */
export function adminRoutes(ctx: NotesContext): FastifyPluginAsync {
  return async (app) => {
    const admin = { preHandler: requireRole('admin') };

    app.get<UserParams>(
      '/admin/users/:userId/documents',
      { ...admin, schema: { params: params('userId'), querystring: PageQuery, response: { 200: responses.documents } } },
      async (request) => pageOut(await listDocuments(ctx, request.params.userId, {}, pageOf(request.query)), documentSummaryOut),
    );

    app.get<UserParams>(
      '/admin/users/:userId/chats',
      { ...admin, schema: { params: params('userId'), querystring: PageQuery, response: { 200: responses.chats } } },
      async (request) => pageOut(await listChats(ctx, request.params.userId, pageOf(request.query)), chatOut),
    );
  };
}
