import { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { Server, ServerOptions, Socket } from 'socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import IORedis from 'ioredis';
import { redisConnectionOptions } from '@crosscast/runtime';
import type { AuthService } from './auth.service';

/** Longest timer Node accepts (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * socket.io handshake middleware (`io.use`): Nest guards do not run on connection, so the
 * token in `handshake.auth.token` is checked here. A refused client gets a connect_error
 * whose message starts with "unauthorized:" and says why. An accepted socket carries its
 * user in `socket.data.user` and the token version it signed in with in
 * `socket.data.tokenVersion` (LiveGateway re-checks both every SESSION_RECHECK_SECONDS),
 * and is disconnected when its token expires.
 */
export function socketAuthMiddleware(auth: AuthService) {
  return (socket: Socket, next: (error?: Error) => void): void => {
    const token = socket.handshake.auth?.token;
    auth.authenticate(typeof token === 'string' ? token : null).then(
      ({ user, expiresAtMs, tokenVersion }) => {
        socket.data.user = user;
        socket.data.tokenVersion = tokenVersion;
        const timer = setTimeout(() => socket.disconnect(true), Math.min(MAX_TIMER_MS, Math.max(0, expiresAtMs - Date.now())));
        timer.unref();
        socket.once('disconnect', () => clearTimeout(timer));
        next();
      },
      (error: Error) => {
        const refusal = new Error(`unauthorized: ${error.message}`) as Error & { data?: unknown };
        refusal.data = { status: 401 };
        next(refusal);
      },
    );
  };
}

/**
 * The socket.io server with CORS limited to CORS_ORIGINS (none configured: same origin
 * only) and, when given a Redis URL, the Redis adapter: an event one fusion instance emits
 * (to everyone or to a room) reaches the clients of every instance, so a dashboard may be
 * connected to any of them. Pub/sub channels live under `<prefix>:socket.io`.
 */
export class ConfiguredIoAdapter extends IoAdapter {
  private readonly redisClients: IORedis[] = [];

  constructor(
    app: INestApplicationContext,
    private readonly corsOrigins: string[],
    private readonly redis: { url: string; prefix: string } | null = null,
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: ServerOptions) {
    const server = super.createIOServer(port, { ...options, cors: { origin: this.corsOrigins.length ? this.corsOrigins : false } }) as Server;
    if (this.redis) {
      const publisher = new IORedis({ ...redisConnectionOptions(this.redis.url), maxRetriesPerRequest: null });
      const subscriber = publisher.duplicate();
      for (const client of [publisher, subscriber]) {
        // Reconnects on its own; a Redis outage only pauses cross-instance delivery.
        client.on('error', () => undefined);
        this.redisClients.push(client);
      }
      server.adapter(createAdapter(publisher, subscriber, { key: `${this.redis.prefix}:socket.io` }));
    }
    return server;
  }

  override async close(server: Server): Promise<void> {
    await super.close(server);
    for (const client of this.redisClients.splice(0)) client.disconnect();
  }
}
