import type { FastifyPluginAsync } from 'fastify';
import { requireCaller } from '@gatehouse/verify/fastify';
import type { NotesContext } from '../../domain/context.js';
import { createTag, deleteTag, getTag, listTags, renameTag } from '../../domain/tags.js';
import { ownerOf, pageOf } from '../request-values.js';
import { PageQuery, type PageQueryString, pageOut, params, responses, TagBody, tagOut } from '../schemas.js';

type TagParams = { Params: { tagId: string } };

/** Tags: any caller, on their own tags only; a name the caller already uses answers 409 `tag_name_taken`. */
export function tagRoutes(ctx: NotesContext): FastifyPluginAsync {
  return async (app) => {
    const own = { preHandler: requireCaller };

    app.get<{ Querystring: PageQueryString }>('/tags', { ...own, schema: { querystring: PageQuery, response: { 200: responses.tags } } }, async (request) =>
      pageOut(await listTags(ctx, ownerOf(request), pageOf(request.query)), tagOut),
    );

    app.post<{ Body: { name: string } }>('/tags', { ...own, schema: { body: TagBody, response: { 201: responses.tag } } }, async (request, reply) =>
      reply.code(201).send(tagOut(await createTag(ctx, ownerOf(request), request.body))),
    );

    app.get<TagParams>('/tags/:tagId', { ...own, schema: { params: params('tagId'), response: { 200: responses.tag } } }, async (request) =>
      tagOut(await getTag(ctx, ownerOf(request), request.params.tagId)),
    );

    app.patch<TagParams & { Body: { name: string } }>(
      '/tags/:tagId',
      { ...own, schema: { params: params('tagId'), body: TagBody, response: { 200: responses.tag } } },
      async (request) => tagOut(await renameTag(ctx, ownerOf(request), request.params.tagId, request.body)),
    );

    app.delete<TagParams>('/tags/:tagId', { ...own, schema: { params: params('tagId') } }, async (request, reply) => {
      await deleteTag(ctx, ownerOf(request), request.params.tagId);
      return reply.code(204).send();
    });
  };
}
