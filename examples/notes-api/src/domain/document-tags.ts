import type { NotesContext } from './context.js';
import { isoNow } from './context.js';
import { getDocument } from './documents.js';
import type { DocumentWithTags } from './records.js';
import { getTag } from './tags.js';

/** Both the document and the tag must be the owner's own; either one of another user's answers not found. */
export async function attachTag(ctx: NotesContext, ownerId: string, documentId: string, tagId: string): Promise<DocumentWithTags> {
  await getTag(ctx, ownerId, tagId);
  await getDocument(ctx, ownerId, documentId);
  await ctx.repos.documentTags.attach(ownerId, documentId, tagId, isoNow(ctx));
  return getDocument(ctx, ownerId, documentId);
}

export async function detachTag(ctx: NotesContext, ownerId: string, documentId: string, tagId: string): Promise<DocumentWithTags> {
  await getTag(ctx, ownerId, tagId);
  await getDocument(ctx, ownerId, documentId);
  await ctx.repos.documentTags.detach(ownerId, documentId, tagId);
  return getDocument(ctx, ownerId, documentId);
}
