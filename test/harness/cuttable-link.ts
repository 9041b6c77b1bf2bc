import { connect, createServer, type Socket } from 'node:net';
import { findFreePort } from '../../scripts/dev/emulators.ts';

/**
 * A TCP link to a server that a test can cut and restore, as a network partition would:
 * `cut()` drops every open connection and refuses new ones (as a stopped server does),
 * `restore()` accepts again on the same port. Everything else passes through untouched.
 */
export interface CuttableLink {
  /** Where clients connect instead of the target. */
  endpoint: string;
  cut(): Promise<void>;
  restore(): Promise<void>;
}

export async function startCuttableLink(target: string): Promise<CuttableLink> {
  const { hostname, port: targetPort } = new URL(target);
  const port = await findFreePort();
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  const server = createServer((client) => {
    const upstream = connect(Number(targetPort), hostname);
    track(client);
    track(upstream);
    // Either side failing or closing ends both, as one connection would.
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      from.on('error', () => to.destroy());
      from.on('close', () => to.destroy());
      from.pipe(to);
    }
  });
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  const stopListening = async () => {
    const closed = server.listening
      ? new Promise<void>((resolve) => server.close(() => resolve()))
      : Promise.resolve();
    for (const socket of sockets) socket.destroy();
    await closed;
  };
  await listen();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    cut: stopListening,
    restore: listen,
  };
}
