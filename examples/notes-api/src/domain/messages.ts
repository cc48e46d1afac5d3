import type { NotesContext } from './context.js';
import { isoNow } from './context.js';
import { getChat } from './chats.js';
import { newId } from './new-id.js';
import { type Page, type PageRequest, toPage } from './page.js';
import type { Message } from './records.js';

/** The chat is looked up among the owner's own first: another user's chat answers not found, as a parent too. */
export async function listMessages(ctx: NotesContext, ownerId: string, chatId: string, page: PageRequest): Promise<Page<Message>> {
  await getChat(ctx, ownerId, chatId);
  return toPage(await ctx.repos.messages.list(ownerId, chatId, page), page);
}

/** Stores the message in one of the owner's chats and tells the owner's open WebSockets. */
export async function postMessage(ctx: NotesContext, ownerId: string, chatId: string, input: { body: string }): Promise<Message> {
  await getChat(ctx, ownerId, chatId);
  const message: Message = { id: newId(ctx.now()), ownerId, chatId, body: input.body, createdAt: isoNow(ctx) };
  await ctx.repos.messages.insert(message);
  ctx.feed.publish(message);
  return message;
}
