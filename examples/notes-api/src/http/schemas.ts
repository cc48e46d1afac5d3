import type { Page } from '../domain/page.js';
import type { Chat, Document, DocumentWithTags, Message, Tag } from '../domain/records.js';

/**
 * Request and response schemas. Bodies reject unknown fields (additionalProperties: false, and Ajv is told not to
 * strip them); responses are whitelists, so nothing leaves that is not listed here.
 */
const text = (maxLength: number) => ({ type: 'string', minLength: 1, maxLength, pattern: '\\S' }) as const;
const timestamp = { type: 'string' } as const;

export const TitleBody = { type: 'object', additionalProperties: false, required: ['title'], properties: { title: text(200) } } as const;
export const MessageBody = { type: 'object', additionalProperties: false, required: ['body'], properties: { body: text(10_000) } } as const;
export const NewDocumentBody = {
  type: 'object',
  additionalProperties: false,
  required: ['title'],
  properties: { title: text(200), body: { type: 'string', maxLength: 50_000 } },
} as const;
export const DocumentChangesBody = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: { title: text(200), body: { type: 'string', maxLength: 50_000 } },
} as const;
export const TagBody = { type: 'object', additionalProperties: false, required: ['name'], properties: { name: text(50) } } as const;

const id = { type: 'string', maxLength: 100 } as const;
export const params = (...names: string[]) =>
  ({ type: 'object', required: names, properties: Object.fromEntries(names.map((name) => [name, id])) }) as const;

/** Query strings are text: `limit` is checked as digits (1–100) rather than coerced. */
export const PageQuery = {
  type: 'object',
  properties: { limit: { type: 'string', pattern: '^(100|[1-9][0-9]?)$' }, cursor: { type: 'string', minLength: 1, maxLength: 200 } },
} as const;
export const DocumentQuery = {
  type: 'object',
  properties: { ...PageQuery.properties, q: text(200), tag: text(50) },
} as const;
export interface PageQueryString {
  readonly limit?: string;
  readonly cursor?: string;
}

const ChatOut = {
  type: 'object',
  required: ['id', 'owner_id', 'title', 'created_at', 'updated_at'],
  properties: { id: { type: 'string' }, owner_id: { type: 'string' }, title: { type: 'string' }, created_at: timestamp, updated_at: timestamp },
} as const;
const MessageOut = {
  type: 'object',
  required: ['id', 'owner_id', 'chat_id', 'body', 'created_at'],
  properties: { id: { type: 'string' }, owner_id: { type: 'string' }, chat_id: { type: 'string' }, body: { type: 'string' }, created_at: timestamp },
} as const;
const TagOut = {
  type: 'object',
  required: ['id', 'owner_id', 'name', 'created_at'],
  properties: { id: { type: 'string' }, owner_id: { type: 'string' }, name: { type: 'string' }, created_at: timestamp },
} as const;
const DocumentSummaryOut = {
  type: 'object',
  required: ['id', 'owner_id', 'title', 'body', 'created_at', 'updated_at'],
  properties: {
    id: { type: 'string' },
    owner_id: { type: 'string' },
    title: { type: 'string' },
    body: { type: 'string' },
    created_at: timestamp,
    updated_at: timestamp,
  },
} as const;
const DocumentOut = {
  ...DocumentSummaryOut,
  required: [...DocumentSummaryOut.required, 'tags'],
  properties: { ...DocumentSummaryOut.properties, tags: { type: 'array', items: TagOut } },
} as const;

const listOf = (item: object) =>
  ({
    type: 'object',
    required: ['items', 'next_cursor'],
    properties: { items: { type: 'array', items: item }, next_cursor: { type: ['string', 'null'] } },
  }) as const;

export const responses = {
  chat: ChatOut,
  chats: listOf(ChatOut),
  message: MessageOut,
  messages: listOf(MessageOut),
  tag: TagOut,
  tags: listOf(TagOut),
  document: DocumentOut,
  documents: listOf(DocumentSummaryOut),
};

export const chatOut = (chat: Chat) => ({ id: chat.id, owner_id: chat.ownerId, title: chat.title, created_at: chat.createdAt, updated_at: chat.updatedAt });
export const messageOut = (message: Message) => ({
  id: message.id,
  owner_id: message.ownerId,
  chat_id: message.chatId,
  body: message.body,
  created_at: message.createdAt,
});
export const tagOut = (tag: Tag) => ({ id: tag.id, owner_id: tag.ownerId, name: tag.name, created_at: tag.createdAt });
export const documentSummaryOut = (document: Document) => ({
  id: document.id,
  owner_id: document.ownerId,
  title: document.title,
  body: document.body,
  created_at: document.createdAt,
  updated_at: document.updatedAt,
});
export const documentOut = (document: DocumentWithTags) => ({ ...documentSummaryOut(document), tags: document.tags.map(tagOut) });

export function pageOut<T, O>(page: Page<T>, map: (item: T) => O) {
  return { items: page.items.map(map), next_cursor: page.nextCursor ?? null };
}
