import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy on a free loopback port in front of `target`, like the load balancer in front of a
 * Temporal frontend: `cut()` takes the path down (connections reset, new ones refused) until
 * `restore()`, while whatever connects to the target directly is not affected.
 */
export interface TcpProxy {
  /** `127.0.0.1:<port>`: connect here instead of to the target. */
  readonly address: string;
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(target: string): Promise<TcpProxy> {
  const [host = '127.0.0.1', port = '0'] = target.split(/:(?=\d+$)/);
  const open = new Set<Socket>();
  const listen = (server: Server, at: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(at, '127.0.0.1', () => {
        const address = server.address();
        resolve(typeof address === 'object' && address ? address.port : at);
      });
    });
  const serve = () =>
    createServer((client) => {
      const upstream = connect(Number(port), host);
      for (const socket of [client, upstream]) {
        open.add(socket);
        socket.once('close', () => open.delete(socket));
        socket.on('error', () => socket.destroy());
      }
      client.once('close', () => upstream.destroy());
      upstream.once('close', () => client.destroy());
      client.pipe(upstream).pipe(client);
    });
  let server: Server | null = serve();
  const proxyPort = await listen(server, 0);
  const stop = async () => {
    const closing = server;
    server = null;
    for (const socket of open) socket.destroy();
    if (closing) await new Promise<void>((resolve) => closing.close(() => resolve()));
  };
  return {
    address: `127.0.0.1:${proxyPort}`,
    cut: stop,
    async restore() {
      if (server !== null) return;
      server = serve();
      await listen(server, proxyPort);
    },
    close: stop,
  };
}
