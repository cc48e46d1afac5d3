import type { FastifyPluginAsync } from 'fastify';
import { requireCaller } from '@gatehouse/verify/fastify';
import { createChat, deleteChat, getChat, listChats, renameChat } from '../../domain/chats.js';
import type { NotesContext } from '../../domain/context.js';
import { listMessages, postMessage } from '../../domain/messages.js';
import { ownerOf, pageOf } from '../request-values.js';
import { chatOut, MessageBody, messageOut, PageQuery, type PageQueryString, pageOut, params, responses, TitleBody } from '../schemas.js';

type ChatParams = { Params: { chatId: string } };

/** Chats and their messages: any caller, on their own chats only (another user's chat answers 404). */
export function chatRoutes(ctx: NotesContext): FastifyPluginAsync {
  return async (app) => {
    const own = { preHandler: requireCaller };

    app.get<{ Querystring: PageQueryString }>('/chats', { ...own, schema: { querystring: PageQuery, response: { 200: responses.chats } } }, async (request) =>
      pageOut(await listChats(ctx, ownerOf(request), pageOf(request.query)), chatOut),
    );

    app.post<{ Body: { title: string } }>('/chats', { ...own, schema: { body: TitleBody, response: { 201: responses.chat } } }, async (request, reply) =>
      reply.code(201).send(chatOut(await createChat(ctx, ownerOf(request), request.body))),
    );

    app.get<ChatParams>('/chats/:chatId', { ...own, schema: { params: params('chatId'), response: { 200: responses.chat } } }, async (request) =>
      chatOut(await getChat(ctx, ownerOf(request), request.params.chatId)),
    );

    app.patch<ChatParams & { Body: { title: string } }>(
      '/chats/:chatId',
      { ...own, schema: { params: params('chatId'), body: TitleBody, response: { 200: responses.chat } } },
      async (request) => chatOut(await renameChat(ctx, ownerOf(request), request.params.chatId, request.body)),
    );

    app.delete<ChatParams>('/chats/:chatId', { ...own, schema: { params: params('chatId') } }, async (request, reply) => {
      await deleteChat(ctx, ownerOf(request), request.params.chatId);
      return reply.code(204).send();
    });

    app.get<ChatParams & { Querystring: PageQueryString }>(
      '/chats/:chatId/messages',
      { ...own, schema: { params: params('chatId'), querystring: PageQuery, response: { 200: responses.messages } } },
      async (request) => pageOut(await listMessages(ctx, ownerOf(request), request.params.chatId, pageOf(request.query)), messageOut),
    );

    app.post<ChatParams & { Body: { body: string } }>(
      '/chats/:chatId/messages',
      { ...own, schema: { params: params('chatId'), body: MessageBody, response: { 201: responses.message } } },
      async (request, reply) => reply.code(201).send(messageOut(await postMessage(ctx, ownerOf(request), request.params.chatId, request.body))),
    );
  };
}
