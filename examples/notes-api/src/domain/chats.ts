import type { NotesContext } from './context.js';
import { isoNow } from './context.js';
import { newId } from './new-id.js';
import { NotesError } from './notes-error.js';
import { type Page, type PageRequest, toPage } from './page.js';
import type { Chat } from './records.js';

export async function createChat(ctx: NotesContext, ownerId: string, input: { title: string }): Promise<Chat> {
  const now = isoNow(ctx);
  const chat: Chat = { id: newId(ctx.now()), ownerId, title: input.title, createdAt: now, updatedAt: now };
  await ctx.repos.chats.insert(chat);
  return chat;
}

export async function listChats(ctx: NotesContext, ownerId: string, page: PageRequest): Promise<Page<Chat>> {
  return toPage(await ctx.repos.chats.list(ownerId, page), page);
}

/** Another user's chat is not found, exactly like a chat that does not exist: its existence is not revealed. */
export async function getChat(ctx: NotesContext, ownerId: string, chatId: string): Promise<Chat> {
  return (await ctx.repos.chats.find(ownerId, chatId)) ?? notFound();
}

export async function renameChat(ctx: NotesContext, ownerId: string, chatId: string, input: { title: string }): Promise<Chat> {
  return (await ctx.repos.chats.rename(ownerId, chatId, input.title, isoNow(ctx))) ?? notFound();
}

export async function deleteChat(ctx: NotesContext, ownerId: string, chatId: string): Promise<void> {
  if (!(await ctx.repos.chats.delete(ownerId, chatId))) notFound();
}

function notFound(): never {
  throw new NotesError('not_found', 'No such chat');
}
