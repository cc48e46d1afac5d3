import type { Kysely } from 'kysely';
import type { NotesSchema } from '../schema.js';
import { chatRepository } from './chat-repository.js';
import { documentRepository } from './document-repository.js';
import { documentTagRepository } from './document-tag-repository.js';
import { messageRepository } from './message-repository.js';
import { tagRepository } from './tag-repository.js';

export function createRepositories(db: Kysely<NotesSchema>) {
  return {
    chats: chatRepository(db),
    messages: messageRepository(db),
    documents: documentRepository(db),
    tags: tagRepository(db),
    documentTags: documentTagRepository(db),
  };
}

export type Repositories = ReturnType<typeof createRepositories>;
