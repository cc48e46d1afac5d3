import type { DocumentFilter } from '../db/repositories/document-repository.js';
import type { NotesContext } from './context.js';
import { isoNow } from './context.js';
import { newId } from './new-id.js';
import { NotesError } from './notes-error.js';
import { type Page, type PageRequest, toPage } from './page.js';
import type { Document, DocumentWithTags } from './records.js';

export async function createDocument(ctx: NotesContext, ownerId: string, input: { title: string; body?: string }): Promise<DocumentWithTags> {
  const now = isoNow(ctx);
  const document: Document = { id: newId(ctx.now()), ownerId, title: input.title, body: input.body ?? '', createdAt: now, updatedAt: now };
  await ctx.repos.documents.insert(document);
  return { ...document, tags: [] };
}

/** Searches and filters only among the owner's documents. */
export async function listDocuments(ctx: NotesContext, ownerId: string, filter: DocumentFilter, page: PageRequest): Promise<Page<Document>> {
  return toPage(await ctx.repos.documents.list(ownerId, filter, page), page);
}

/** Another user's document is not found, exactly like one that does not exist. */
export async function getDocument(ctx: NotesContext, ownerId: string, documentId: string): Promise<DocumentWithTags> {
  const document = (await ctx.repos.documents.find(ownerId, documentId)) ?? notFound();
  return { ...document, tags: await ctx.repos.tags.ofDocument(ownerId, documentId) };
}

export async function updateDocument(
  ctx: NotesContext,
  ownerId: string,
  documentId: string,
  changes: { title?: string; body?: string },
): Promise<DocumentWithTags> {
  const document = (await ctx.repos.documents.update(ownerId, documentId, changes, isoNow(ctx))) ?? notFound();
  return { ...document, tags: await ctx.repos.tags.ofDocument(ownerId, documentId) };
}

export async function deleteDocument(ctx: NotesContext, ownerId: string, documentId: string): Promise<void> {
  if (!(await ctx.repos.documents.delete(ownerId, documentId))) notFound();
}

function notFound(): never {
  throw new NotesError('not_found', 'No such document');
}
