import type { FastifyPluginAsync } from 'fastify';
import { requireCaller } from '@gatehouse/verify/fastify';
import type { NotesContext } from '../../domain/context.js';
import { attachTag, detachTag } from '../../domain/document-tags.js';
import { createDocument, deleteDocument, getDocument, listDocuments, updateDocument } from '../../domain/documents.js';
import { ownerOf, pageOf } from '../request-values.js';
import {
  DocumentChangesBody,
  DocumentQuery,
  documentOut,
  documentSummaryOut,
  NewDocumentBody,
  type PageQueryString,
  pageOut,
  params,
  responses,
} from '../schemas.js';

type DocumentParams = { Params: { documentId: string } };
type LinkParams = { Params: { documentId: string; tagId: string } };
type DocumentQueryString = PageQueryString & { readonly q?: string; readonly tag?: string };

/** Documents and their tags: any caller, on their own documents and tags only (another user's answers 404). */
export function documentRoutes(ctx: NotesContext): FastifyPluginAsync {
  return async (app) => {
    const own = { preHandler: requireCaller };

    // `?q=` searches title and body, `?tag=` names one of the caller's tags; both only among the caller's documents.
    app.get<{ Querystring: DocumentQueryString }>(
      '/documents',
      { ...own, schema: { querystring: DocumentQuery, response: { 200: responses.documents } } },
      async (request) => {
        const { q, tag } = request.query;
        const filter = { ...(q !== undefined && { text: q }), ...(tag !== undefined && { tagName: tag }) };
        return pageOut(await listDocuments(ctx, ownerOf(request), filter, pageOf(request.query)), documentSummaryOut);
      },
    );

    app.post<{ Body: { title: string; body?: string } }>(
      '/documents',
      { ...own, schema: { body: NewDocumentBody, response: { 201: responses.document } } },
      async (request, reply) => reply.code(201).send(documentOut(await createDocument(ctx, ownerOf(request), request.body))),
    );

    app.get<DocumentParams>('/documents/:documentId', { ...own, schema: { params: params('documentId'), response: { 200: responses.document } } }, async (request) =>
      documentOut(await getDocument(ctx, ownerOf(request), request.params.documentId)),
    );

    app.patch<DocumentParams & { Body: { title?: string; body?: string } }>(
      '/documents/:documentId',
      { ...own, schema: { params: params('documentId'), body: DocumentChangesBody, response: { 200: responses.document } } },
      async (request) => documentOut(await updateDocument(ctx, ownerOf(request), request.params.documentId, request.body)),
    );

    app.delete<DocumentParams>('/documents/:documentId', { ...own, schema: { params: params('documentId') } }, async (request, reply) => {
      await deleteDocument(ctx, ownerOf(request), request.params.documentId);
      return reply.code(204).send();
    });

    app.put<LinkParams>(
      '/documents/:documentId/tags/:tagId',
      { ...own, schema: { params: params('documentId', 'tagId'), response: { 200: responses.document } } },
      async (request) => documentOut(await attachTag(ctx, ownerOf(request), request.params.documentId, request.params.tagId)),
    );

    app.delete<LinkParams>(
      '/documents/:documentId/tags/:tagId',
      { ...own, schema: { params: params('documentId', 'tagId'), response: { 200: responses.document } } },
      async (request) => documentOut(await detachTag(ctx, ownerOf(request), request.params.documentId, request.params.tagId)),
    );
  };
}
