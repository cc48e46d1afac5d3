import type { Kysely, Selectable } from 'kysely';
import type { PageRequest } from '../../domain/page.js';
import type { Message } from '../../domain/records.js';
import type { MessageTable, NotesSchema } from '../schema.js';

export function messageRepository(db: Kysely<NotesSchema>) {
  return {
    async insert(message: Message): Promise<void> {
      await db
        .insertInto('messages')
        .values({ id: message.id, owner_id: message.ownerId, chat_id: message.chatId, body: message.body, created_at: message.createdAt })
        .execute();
    },

    /** Oldest first, one row more than the page holds. */
    async list(ownerId: string, chatId: string, page: PageRequest): Promise<Message[]> {
      let query = db.selectFrom('messages').selectAll().where('owner_id', '=', ownerId).where('chat_id', '=', chatId);
      if (page.afterId !== undefined) query = query.where('id', '>', page.afterId);
      const rows = await query.orderBy('id').limit(page.limit + 1).execute();
      return rows.map(toMessage);
    },
  };
}

export type MessageRepository = ReturnType<typeof messageRepository>;

function toMessage(row: Selectable<MessageTable>): Message {
  return { id: row.id, ownerId: row.owner_id, chatId: row.chat_id, body: row.body, createdAt: row.created_at };
}
