import type { FastifyPluginAsync } from 'fastify';
import { type Verifier, VerifyError } from '@gatehouse/verify';
import { authenticateUpgrade, closeForFailure } from '@gatehouse/verify/websocket';
import type { NotesContext } from '../../domain/context.js';
import { messageOut } from '../schemas.js';

/**
 * `GET /ws?token=…` (or `?ticket=…`, or an `Authorization: Bearer` header): streams the caller's new messages as
 * `{"type": "message.created", "message": {...}}`, after a `{"type": "hello", "user_id"}` that says the stream is
 * live. The upgrade is accepted and a bad credential closed with 1008 and its code, since browsers see no HTTP
 * status on a refused upgrade.
 */
export function websocketRoutes(ctx: NotesContext, verifier: Verifier): FastifyPluginAsync {
  return async (app) => {
    app.get('/ws', { websocket: true }, async (socket, request) => {
      try {
        const caller = await authenticateUpgrade(verifier, { url: request.url, headers: request.headers });
        // The client may have left while the credential was being checked.
        if (socket.readyState !== socket.OPEN) return;
        const unsubscribe = ctx.feed.subscribe(caller.userId, (message) =>
          socket.send(JSON.stringify({ type: 'message.created', message: messageOut(message) })),
        );
        socket.once('close', unsubscribe);
        socket.send(JSON.stringify({ type: 'hello', user_id: caller.userId }));
      } catch (error) {
        if (!(error instanceof VerifyError)) request.log.error({ err: error }, 'WebSocket authentication failed');
        closeForFailure(socket, error);
      }
    });
  };
}
