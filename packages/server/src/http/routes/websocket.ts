import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { WebSocket } from 'ws';
import type { DomainContext } from '../../domain/context.js';
import { connectRealtime, type RealtimeCredential } from '../../domain/realtime/connect.js';
import { Connections, type RealtimeEvent } from '../../domain/realtime/connections.js';
import { issueWsTicket } from '../../domain/realtime/ws-tickets.js';
import { AuthError } from '../../errors/auth-error.js';
import { allow, anyone } from '../plugins/access.js';
import { sessionCallerOf } from '../plugins/authenticate.js';
import { sessionCookieName } from '../plugins/cookies.js';
import { fromAllowedOrigin } from '../plugins/csrf.js';
import { problems } from '../schemas/common.js';

// Close codes, RFC 6455 §7.4.1.
const POLICY_VIOLATION = 1008;
const INTERNAL_ERROR = 1011;
const MAX_DEVICE_NAME = 100;

const WsTicketResponse = Type.Object({ ticket: Type.String(), expires_in: Type.Integer() });
type Query = Record<string, string | string[] | undefined>;

/**
 * The realtime channel: `POST /api/v1/auth/ws-ticket` (a caller in a session) and `GET /ws` (API.md "WebSocket").
 * An upgrade without valid credentials is accepted and closed at once with 1008 and the error code as reason, so
 * that browsers, which see no HTTP status on a failed upgrade, learn why.
 */
export function websocketRoutes(ctx: DomainContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    const connections = new Connections(ctx);
    connections.listen();

    await app.register(
      async (api) => {
        api.post(
          '/auth/ws-ticket',
          {
            ...allow(ctx, 'self:read', { interactive: true }),
            schema: {
              tags: ['auth'],
              summary: 'A single-use ticket, valid 30 s, that opens GET /ws?ticket= for the caller’s session',
              security: [{ bearerAuth: [] }],
              response: { 201: WsTicketResponse, ...problems(401, 403) },
            },
          },
          async (request, reply) => {
            const { user, sessionId } = sessionCallerOf(request);
            const { ticket, expiresIn } = await issueWsTicket(ctx, ctx.wsTickets, { userId: user.id, sessionId });
            return reply.code(201).send({ ticket, expires_in: expiresIn });
          },
        );
      },
      { prefix: '/api/v1' },
    );

    // Open to anyone: the upgrade is accepted and the credential checked in the handler, which closes with 1008.
    app.get('/ws', { ...anyone, websocket: true }, async (socket, request) => {
      try {
        const query = request.query as Query;
        const credential = credentialOf(ctx, request, query);
        if (credential === undefined) throw new AuthError('not_authenticated');
        const { user, sessionId, clientId } = await connectRealtime(ctx, ctx.wsTickets, credential, deviceNameOf(query));
        // The client left, or the server began to close, while the credential was being checked.
        if (socket.readyState !== socket.OPEN) return;
        const remove = connections.add({
          userId: user.id,
          sessionId,
          notify: (event) => socket.send(JSON.stringify(toMessage(event))),
          end: (reason) => closeFor(socket, reason, request.log),
        });
        socket.once('close', remove);
        socket.send(JSON.stringify({ type: 'hello', user_id: user.id, client_id: clientId, session_id: sessionId }));
      } catch (error) {
        closeFor(socket, error, request.log);
      }
    });
  };
}

/**
 * The credential of an upgrade. Browsers cannot set headers on a WebSocket, so it comes in the query: `?ticket=`
 * (single use, preferred) or `?token=`, both redacted from the logs; or else the session cookie, which a browser
 * sends to any page's WebSocket, so its Origin must be allowed (cross-site WebSocket hijacking).
 */
function credentialOf(ctx: DomainContext, request: FastifyRequest, query: Query): RealtimeCredential | undefined {
  if (query.ticket !== undefined) return { kind: 'ticket', value: single(query.ticket) };
  if (query.token !== undefined) return { kind: 'access_token', value: single(query.token) };
  const cookie = request.cookies[sessionCookieName(ctx.config)];
  if (cookie === undefined) return undefined;
  if (!fromAllowedOrigin(ctx, request)) throw new AuthError('csrf_failed');
  return { kind: 'cookie', value: cookie };
}

/** `?token=a&token=b` names no one credential. */
function single(value: string | string[]): string {
  if (typeof value !== 'string') throw new AuthError('invalid_token');
  return value;
}

/** The same bound as at login. */
function deviceNameOf(query: Query): string | undefined {
  const name = query.device_name;
  if (name === undefined || (typeof name === 'string' && name.length <= MAX_DEVICE_NAME)) return name;
  throw AuthError.validation('/device_name', `device_name must be a single value of at most ${MAX_DEVICE_NAME} characters`);
}

function toMessage(event: RealtimeEvent): Record<string, string> {
  return event.type === 'session.revoked' ? { type: event.type, session_id: event.sessionId } : { type: event.type, user_id: event.userId };
}

/** 1008 with the public error code when the credentials do not hold; 1011 (cause logged, never sent) when the server failed. */
function closeFor(socket: WebSocket, error: unknown, log: FastifyBaseLogger): void {
  if (error instanceof AuthError && error.status < 500) {
    socket.close(POLICY_VIOLATION, error.publicCode);
    return;
  }
  log.error({ err: error instanceof AuthError ? (error.cause ?? error) : error }, 'WebSocket connection failed');
  socket.close(INTERNAL_ERROR, 'internal_error');
}
