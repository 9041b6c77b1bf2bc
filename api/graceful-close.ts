import type { FastifyInstance } from 'fastify';
import type { ErrorBody } from './errors.ts';

/**
 * Lets the server stop promptly and politely. Once closing starts, every response tells the
 * client to drop its keep-alive connection (otherwise a connection that just served a
 * request stays open for the keep-alive timeout and `close()` waits on it), and requests
 * that still arrive get a 503 in our error shape, telling the client to retry elsewhere.
 * Register with Fastify's `return503OnClosing: false`, so this answer is the only one.
 */
export function registerGracefulClose(app: FastifyInstance): void {
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async (_request, reply) => {
    if (!closing) return;
    reply
      .code(503)
      .header('connection', 'close')
      .header('retry-after', '1')
      .send({
        code: 'SHUTTING_DOWN',
        message: 'The server is shutting down; retry the request.',
      } satisfies ErrorBody);
    return reply;
  });
  app.addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('connection', 'close');
  });
}
