import type { Kysely, Selectable } from 'kysely';
import type { Chat } from '../../domain/records.js';
import type { PageRequest } from '../../domain/page.js';
import type { ChatTable, NotesSchema } from '../schema.js';

/** Every query names the owner: a chat of another user is simply not found. */
export function chatRepository(db: Kysely<NotesSchema>) {
  return {
    async insert(chat: Chat): Promise<void> {
      await db
        .insertInto('chats')
        .values({ id: chat.id, owner_id: chat.ownerId, title: chat.title, created_at: chat.createdAt, updated_at: chat.updatedAt })
        .execute();
    },

    async find(ownerId: string, id: string): Promise<Chat | undefined> {
      const row = await db.selectFrom('chats').selectAll().where('owner_id', '=', ownerId).where('id', '=', id).executeTakeFirst();
      return row && toChat(row);
    },

    /** One row more than the page holds, so the caller can tell whether another page follows. */
    async list(ownerId: string, page: PageRequest): Promise<Chat[]> {
      let query = db.selectFrom('chats').selectAll().where('owner_id', '=', ownerId);
      if (page.afterId !== undefined) query = query.where('id', '>', page.afterId);
      const rows = await query.orderBy('id').limit(page.limit + 1).execute();
      return rows.map(toChat);
    },

    async rename(ownerId: string, id: string, title: string, now: string): Promise<Chat | undefined> {
      const row = await db
        .updateTable('chats')
        .set({ title, updated_at: now })
        .where('owner_id', '=', ownerId)
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
      return row && toChat(row);
    },

    /** Its messages go with it (ON DELETE CASCADE). */
    async delete(ownerId: string, id: string): Promise<boolean> {
      const result = await db.deleteFrom('chats').where('owner_id', '=', ownerId).where('id', '=', id).executeTakeFirst();
      return result.numDeletedRows > 0n;
    },
  };
}

export type ChatRepository = ReturnType<typeof chatRepository>;

function toChat(row: Selectable<ChatTable>): Chat {
  return { id: row.id, ownerId: row.owner_id, title: row.title, createdAt: row.created_at, updatedAt: row.updated_at };
}
