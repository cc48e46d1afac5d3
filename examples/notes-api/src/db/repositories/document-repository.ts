import { type Kysely, type Selectable, sql } from 'kysely';
import type { PageRequest } from '../../domain/page.js';
import type { Document } from '../../domain/records.js';
import type { DocumentTable, NotesSchema } from '../schema.js';

export interface DocumentFilter {
  /** Words that must appear in the title or the body, case-insensitively (SQLite folds ASCII letters only). */
  readonly text?: string;
  /** The name of one of the owner's tags that the document must carry. */
  readonly tagName?: string;
}

/** LIKE treats `%`, `_` and the escape character as wildcards; a search means them literally. */
const escapeLike = (text: string) => text.replace(/[\\%_]/g, '\\$&');

export function documentRepository(db: Kysely<NotesSchema>) {
  return {
    async insert(document: Document): Promise<void> {
      await db
        .insertInto('documents')
        .values({
          id: document.id,
          owner_id: document.ownerId,
          title: document.title,
          body: document.body,
          created_at: document.createdAt,
          updated_at: document.updatedAt,
        })
        .execute();
    },

    async find(ownerId: string, id: string): Promise<Document | undefined> {
      const row = await db.selectFrom('documents').selectAll().where('owner_id', '=', ownerId).where('id', '=', id).executeTakeFirst();
      return row && toDocument(row);
    },

    /** The owner's documents matching the filter, one row more than the page holds. */
    async list(ownerId: string, filter: DocumentFilter, page: PageRequest): Promise<Document[]> {
      let query = db.selectFrom('documents').selectAll('documents').where('documents.owner_id', '=', ownerId);
      if (filter.text !== undefined) {
        const pattern = `%${escapeLike(filter.text)}%`;
        query = query.where(
          sql<boolean>`(lower(documents.title) like lower(${pattern}) escape '\\' or lower(documents.body) like lower(${pattern}) escape '\\')`,
        );
      }
      if (filter.tagName !== undefined) {
        const tagName = filter.tagName;
        // The tag is looked up among the owner's own tags: another user's tag of the same name never matches.
        query = query.where(({ exists, selectFrom }) =>
          exists(
            selectFrom('document_tags')
              .innerJoin('tags', 'tags.id', 'document_tags.tag_id')
              .select('document_tags.tag_id')
              .whereRef('document_tags.document_id', '=', 'documents.id')
              .where('tags.owner_id', '=', ownerId)
              .where(sql<boolean>`lower(tags.name) = lower(${tagName})`),
          ),
        );
      }
      if (page.afterId !== undefined) query = query.where('documents.id', '>', page.afterId);
      const rows = await query.orderBy('documents.id').limit(page.limit + 1).execute();
      return rows.map(toDocument);
    },

    async update(ownerId: string, id: string, changes: { title?: string; body?: string }, now: string): Promise<Document | undefined> {
      const row = await db
        .updateTable('documents')
        .set({ ...(changes.title !== undefined && { title: changes.title }), ...(changes.body !== undefined && { body: changes.body }), updated_at: now })
        .where('owner_id', '=', ownerId)
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
      return row && toDocument(row);
    },

    /** Its tag links go with it (ON DELETE CASCADE). */
    async delete(ownerId: string, id: string): Promise<boolean> {
      const result = await db.deleteFrom('documents').where('owner_id', '=', ownerId).where('id', '=', id).executeTakeFirst();
      return result.numDeletedRows > 0n;
    },
  };
}

export type DocumentRepository = ReturnType<typeof documentRepository>;

function toDocument(row: Selectable<DocumentTable>): Document {
  return { id: row.id, ownerId: row.owner_id, title: row.title, body: row.body, createdAt: row.created_at, updatedAt: row.updated_at };
}
