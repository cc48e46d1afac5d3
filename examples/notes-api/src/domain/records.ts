/** What the notes API keeps for each user. `ownerId` is the Gatehouse user id; times are ISO-8601 UTC. */
export interface Chat {
  readonly id: string;
  readonly ownerId: string;
  readonly title: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface Message {
  readonly id: string;
  readonly ownerId: string;
  readonly chatId: string;
  readonly body: string;
  readonly createdAt: string;
}

export interface Tag {
  readonly id: string;
  readonly ownerId: string;
  readonly name: string;
  readonly createdAt: string;
}

export interface Document {
  readonly id: string;
  readonly ownerId: string;
  readonly title: string;
  readonly body: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface DocumentWithTags extends Document {
  readonly tags: readonly Tag[];
}
