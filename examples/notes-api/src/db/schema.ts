/** Kysely table types. Every row carries `owner_id`, the Gatehouse user id of the user it belongs to. Times are ISO-8601 text. */
export interface NotesSchema {
  chats: ChatTable;
  messages: MessageTable;
  documents: DocumentTable;
  tags: TagTable;
  document_tags: DocumentTagTable;
}

export interface ChatTable {
  id: string;
  owner_id: string;
  title: string;
  created_at: string;
  updated_at: string;
}

export interface MessageTable {
  id: string;
  owner_id: string;
  chat_id: string;
  body: string;
  created_at: string;
}

export interface DocumentTable {
  id: string;
  owner_id: string;
  title: string;
  body: string;
  created_at: string;
  updated_at: string;
}

export interface TagTable {
  id: string;
  owner_id: string;
  name: string;
  created_at: string;
}

export interface DocumentTagTable {
  owner_id: string;
  document_id: string;
  tag_id: string;
  created_at: string;
}
