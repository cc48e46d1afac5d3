import type { Kysely } from 'kysely';
import type { NotesSchema } from '../schema.js';

/** Links between one owner's documents and that same owner's tags. */
export function documentTagRepository(db: Kysely<NotesSchema>) {
  return {
    /**
     * Links the tag to the document only when both belong to the owner, in one statement: the ownership check and
     * the insert cannot be separated by another request. Attaching twice is a no-op.
     */
    async attach(ownerId: string, documentId: string, tagId: string, now: string): Promise<void> {
      await db
        .insertInto('document_tags')
        .columns(['owner_id', 'document_id', 'tag_id', 'created_at'])
        .expression((eb) =>
          eb
            .selectFrom('documents')
            .innerJoin('tags', (join) => join.on('tags.id', '=', tagId).on('tags.owner_id', '=', ownerId))
            .select([eb.val(ownerId).as('owner_id'), 'documents.id', 'tags.id', eb.val(now).as('created_at')])
            .where('documents.id', '=', documentId)
            .where('documents.owner_id', '=', ownerId),
        )
        .onConflict((conflict) => conflict.columns(['document_id', 'tag_id']).doNothing())
        .execute();
    },

    async detach(ownerId: string, documentId: string, tagId: string): Promise<void> {
      await db
        .deleteFrom('document_tags')
        .where('owner_id', '=', ownerId)
        .where('document_id', '=', documentId)
        .where('tag_id', '=', tagId)
        .execute();
    },
  };
}

export type DocumentTagRepository = ReturnType<typeof documentTagRepository>;
