import type { NotesContext } from './context.js';
import { isoNow } from './context.js';
import { newId } from './new-id.js';
import { NotesError } from './notes-error.js';
import { type Page, type PageRequest, toPage } from './page.js';
import type { Tag } from './records.js';

/** Tag names are unique per owner, case-insensitively; another user may use the same name. */
export async function createTag(ctx: NotesContext, ownerId: string, input: { name: string }): Promise<Tag> {
  const tag: Tag = { id: newId(ctx.now()), ownerId, name: input.name, createdAt: isoNow(ctx) };
  await ctx.repos.tags.insert(tag).catch((error: unknown) => rethrowDuplicate(ctx, error));
  return tag;
}

export async function listTags(ctx: NotesContext, ownerId: string, page: PageRequest): Promise<Page<Tag>> {
  return toPage(await ctx.repos.tags.list(ownerId, page), page);
}

export async function getTag(ctx: NotesContext, ownerId: string, tagId: string): Promise<Tag> {
  return (await ctx.repos.tags.find(ownerId, tagId)) ?? notFound();
}

export async function renameTag(ctx: NotesContext, ownerId: string, tagId: string, input: { name: string }): Promise<Tag> {
  const renamed = await ctx.repos.tags.rename(ownerId, tagId, input.name).catch((error: unknown) => rethrowDuplicate(ctx, error));
  return renamed ?? notFound();
}

export async function deleteTag(ctx: NotesContext, ownerId: string, tagId: string): Promise<void> {
  if (!(await ctx.repos.tags.delete(ownerId, tagId))) notFound();
}

// The unique index decides, not a prior read: two concurrent creations of one name cannot both succeed.
function rethrowDuplicate(ctx: NotesContext, error: unknown): never {
  if (ctx.isUniqueViolation(error)) throw new NotesError('tag_name_taken');
  throw error;
}

function notFound(): never {
  throw new NotesError('not_found', 'No such tag');
}
