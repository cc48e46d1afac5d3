import type { Message } from './records.js';

export type MessageListener = (message: Message) => void;

/**
 * New messages, fanned out in this process to the owner's open WebSockets. Delivery is keyed by the message's owner,
 * so a listener only ever hears its own user's messages. (Several instances would need a shared bus instead.)
 */
export class MessageFeed {
  readonly #listeners = new Map<string, Set<MessageListener>>();

  /** Returns the function that stops listening. */
  subscribe(ownerId: string, listener: MessageListener): () => void {
    let listeners = this.#listeners.get(ownerId);
    if (!listeners) this.#listeners.set(ownerId, (listeners = new Set()));
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0) this.#listeners.delete(ownerId);
    };
  }

  publish(message: Message): void {
    for (const listener of this.#listeners.get(message.ownerId) ?? []) listener(message);
  }
}
