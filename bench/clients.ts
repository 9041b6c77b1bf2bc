import { Agent, request } from 'node:http';

/**
 * Simulated clients for H and I: each has keep-alive connections of its own and names its
 * address in X-Forwarded-For, which the API trusts from the loopback (MANY_CLIENTS in
 * context.ts), so per-client limits and the fair hashing queue count it apart. Each answer
 * is timed from the request to the end of its body with performance.now(): autocannon's
 * histogram keeps whole milliseconds, too coarse for reads that take one or two.
 */
export interface Answer {
  status: number;
  ms: number;
  retryAfter: string | undefined;
  /** The error code of a 4xx or 5xx (`TOO_MANY_PENDING`, `RATE_LIMITED`, ...). */
  code: string | undefined;
}

export interface Client {
  send(method: 'GET' | 'POST', path: string, body?: unknown): Promise<Answer>;
  /** Destroys the client's connections, in use or idle: its pending requests fail. */
  close(): void;
}

let blocks = 0;

/** Addresses no other call handed out: a fresh /16 of 10/8, one address per index. */
export function freshAddresses(): (index: number) => string {
  const block = blocks++ % 256;
  return (index) => `10.${block}.${Math.floor(index / 250)}.${(index % 250) + 1}`;
}

/** A client at `address` with up to `connections` requests in flight at once. */
export function createClient(url: string, address: string, connections = 1): Client {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const { hostname, port } = new URL(url);
  return {
    send: (method, path, body) =>
      new Promise((resolve, reject) => {
        const payload = body === undefined ? undefined : JSON.stringify(body);
        const headers = {
          'x-forwarded-for': address,
          ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
        };
        const started = performance.now();
        const req = request({ agent, hostname, port, method, path, headers }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            const ms = performance.now() - started;
            const status = res.statusCode ?? 0;
            const retryAfter = res.headers['retry-after'];
            resolve({
              status,
              ms,
              retryAfter,
              code: status >= 400 ? errorCode(chunks) : undefined,
            });
          });
        });
        req.on('error', reject);
        req.end(payload);
      }),
    close: () => agent.destroy(),
  };
}

function errorCode(chunks: Buffer[]): string | undefined {
  try {
    return (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { code?: string }).code;
  } catch {
    return undefined;
  }
}

/** Milliseconds for a note: two decimals below 10 ms, whole ones above. */
export function formatMs(ms: number): string {
  return ms.toFixed(ms < 10 ? 2 : 0);
}
