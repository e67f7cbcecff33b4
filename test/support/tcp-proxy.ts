import * as net from 'node:net';

export interface TcpProxy {
  port: number;
  /** A redis:// URL through the proxy. */
  url: string;
  /** Network cut: destroys every open connection and refuses new ones until restore(). */
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

/**
 * A loopback TCP proxy standing in for the network between an edge box and the city:
 * the server behind it keeps running; only this link is cut.
 */
export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  const open = new Set<net.Socket>();
  let isCut = false;
  const server = net.createServer((client) => {
    if (isCut) {
      client.destroy();
      return;
    }
    const upstream = net.connect(targetPort, targetHost);
    open.add(client);
    open.add(upstream);
    const end = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    cut() {
      isCut = true;
      for (const socket of open) socket.destroy();
      open.clear();
    },
    restore() {
      isCut = false;
    },
    async close() {
      isCut = true;
      for (const socket of open) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export interface FailoverProxy {
  port: number;
  url: string;
  close(): Promise<void>;
}

/**
 * A loopback stand-in for the load balancer in front of several fusion instances: each new
 * connection goes to the first upstream that accepts it, so when one instance dies its
 * clients reconnect to a survivor. (Sticky enough for socket.io's websocket transport.)
 */
export async function startFailoverProxy(upstreamPorts: number[]): Promise<FailoverProxy> {
  const open = new Set<net.Socket>();
  const connectFirst = (client: net.Socket, index: number) => {
    if (index >= upstreamPorts.length) {
      client.destroy();
      return;
    }
    const upstream = net.connect(upstreamPorts[index], '127.0.0.1');
    let connected = false;
    upstream.once('connect', () => {
      connected = true;
      open.add(upstream);
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
    const end = () => {
      if (!connected) return;
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    upstream.on('error', () => (connected ? end() : connectFirst(client, index + 1)));
    upstream.on('close', end);
    client.on('error', end).on('close', end);
  };
  const server = net.createServer({ pauseOnConnect: true }, (client) => {
    open.add(client);
    connectFirst(client, 0);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    async close() {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
