// The baseline for bench/run.mjs: bare Fastify, no logging, no hooks, one GET route answering a constant JSON object
// about the size of Gatehouse's User object. Started as its own process so its CPU time can be read from /proc.
// Usage: node bench/bare-server.mjs <port>   (listens on 127.0.0.1 only)
import Fastify from 'fastify';

const port = Number(process.argv[2] ?? process.env.PORT);
if (!Number.isInteger(port) || port <= 0 || port > 65535) {
  console.error('usage: node bench/bare-server.mjs <port>');
  process.exit(2);
}

const USER = {
  id: '0192f3a4-5b6c-7d8e-9f01-23456789abcd',
  email: 'bench@example.com',
  username: 'benchuser',
  display_name: 'Bench User',
  role: 'user',
  is_active: true,
  is_verified: false,
  is_suspended: false,
  is_superuser: false,
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:00.000Z',
  last_login_at: '2026-01-01T00:00:00.000Z',
};

const app = Fastify({ logger: false });
app.get('/user', async () => USER);

const stop = () => {
  app.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);

await app.listen({ host: '127.0.0.1', port });
