import type { Kysely, Selectable } from 'kysely';
import type { PageRequest } from '../../domain/page.js';
import type { Tag } from '../../domain/records.js';
import type { NotesSchema, TagTable } from '../schema.js';

/** A duplicate name for one owner fails on the unique index tags_owner_name; the caller turns that into a conflict. */
export function tagRepository(db: Kysely<NotesSchema>) {
  return {
    async insert(tag: Tag): Promise<void> {
      await db.insertInto('tags').values({ id: tag.id, owner_id: tag.ownerId, name: tag.name, created_at: tag.createdAt }).execute();
    },

    async find(ownerId: string, id: string): Promise<Tag | undefined> {
      const row = await db.selectFrom('tags').selectAll().where('owner_id', '=', ownerId).where('id', '=', id).executeTakeFirst();
      return row && toTag(row);
    },

    async list(ownerId: string, page: PageRequest): Promise<Tag[]> {
      let query = db.selectFrom('tags').selectAll().where('owner_id', '=', ownerId);
      if (page.afterId !== undefined) query = query.where('id', '>', page.afterId);
      const rows = await query.orderBy('id').limit(page.limit + 1).execute();
      return rows.map(toTag);
    },

    /** The owner's tags on one document, by name. */
    async ofDocument(ownerId: string, documentId: string): Promise<Tag[]> {
      const rows = await db
        .selectFrom('tags')
        .innerJoin('document_tags', 'document_tags.tag_id', 'tags.id')
        .selectAll('tags')
        .where('tags.owner_id', '=', ownerId)
        .where('document_tags.owner_id', '=', ownerId)
        .where('document_tags.document_id', '=', documentId)
        .orderBy('tags.name')
        .execute();
      return rows.map(toTag);
    },

    async rename(ownerId: string, id: string, name: string): Promise<Tag | undefined> {
      const row = await db.updateTable('tags').set({ name }).where('owner_id', '=', ownerId).where('id', '=', id).returningAll().executeTakeFirst();
      return row && toTag(row);
    },

    /** Its links to documents go with it (ON DELETE CASCADE). */
    async delete(ownerId: string, id: string): Promise<boolean> {
      const result = await db.deleteFrom('tags').where('owner_id', '=', ownerId).where('id', '=', id).executeTakeFirst();
      return result.numDeletedRows > 0n;
    },
  };
}

export type TagRepository = ReturnType<typeof tagRepository>;

function toTag(row: Selectable<TagTable>): Tag {
  return { id: row.id, ownerId: row.owner_id, name: row.name, createdAt: row.created_at };
}
