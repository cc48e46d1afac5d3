import fastifyWebsocket from '@fastify/websocket';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';

const GOING_AWAY = 1001;
// Clients have nothing to say on the socket; ws answers pings itself and closes with 1009 on a larger frame.
const MAX_MESSAGE_BYTES = 4 * 1024;
const SHUTDOWN_GRACE_MS = 1000;

/**
 * WebSocket upgrades (@fastify/websocket), on the root instance: once it listens for upgrades, every upgrade request
 * of every path comes through it, and only its root-level hooks release the socket of one answered without an
 * upgrade (a 404, a 401). Inside an encapsulated plugin, such sockets would linger and hold the graceful shutdown.
 */
export async function useWebSockets(app: FastifyInstance): Promise<void> {
  // Added before the plugin adds its own preClose (which closes without a code), so that this one runs first.
  app.addHook('preClose', closeGoingAway);
  await app.register(fastifyWebsocket, { options: { maxPayload: MAX_MESSAGE_BYTES }, errorHandler: logProtocolError });
}

/**
 * Shutdown tells every client 1001 (going away, RFC 6455 §7.4.1), so it reconnects to another instance. A client that
 * never answers the close frame would hold the server open for ws's 30 s closing handshake: it is cut off after a grace.
 */
async function closeGoingAway(this: FastifyInstance): Promise<void> {
  for (const socket of this.websocketServer.clients) {
    socket.close(GOING_AWAY, 'shutting_down');
    setTimeout(() => socket.terminate(), SHUTDOWN_GRACE_MS).unref();
  }
}

/** A client broke the protocol (say, a frame over the size limit): ws has closed with the matching code already. */
function logProtocolError(error: Error, _socket: WebSocket, request: { log: FastifyBaseLogger }): void {
  request.log.info({ err: error }, 'WebSocket protocol error from the client');
}
