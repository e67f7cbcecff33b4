import { Inject, Logger, OnModuleDestroy } from '@nestjs/common';
import { OnGatewayConnection, OnGatewayInit, WebSocketGateway, WebSocketServer } from '@nestjs/websockets';
import type { Server, Socket } from 'socket.io';
import { FusionServerEvents } from '@crosscast/contracts';
import { AuthService, sessionKey } from '../auth/auth.service';
import type { AuthenticatedUser } from '../auth/roles';
import { FUSION_CONFIG, type FusionConfig } from '../config';
import { socketAuthMiddleware } from '../auth/socket-auth';

type EventName = keyof FusionServerEvents;
type Payload<E extends EventName> = Parameters<FusionServerEvents[E]>[0];

/**
 * The socket.io side of the fusion service: dashboards connect here and receive every
 * event in FusionServerEvents. Only clients with a valid token connect (handshake
 * middleware, see auth/socket-auth.ts). On connect a client gets a snapshot, so a page
 * opened mid-replay is complete at once. Every SESSION_RECHECK_SECONDS the open sockets'
 * sessions are re-checked in one query, and a socket whose user was disabled, or whose
 * tokens were revoked (sign-out, disable, role or password change), is disconnected. Clients send no events; a future
 * @SubscribeMessage handler must declare @Roles (the global AccessGuard refuses it otherwise).
 */
@WebSocketGateway({ cors: { origin: false } })
export class LiveGateway implements OnGatewayConnection, OnGatewayInit, OnModuleDestroy {
  private readonly logger = new Logger(LiveGateway.name);
  private snapshotProvider: (() => Promise<Payload<'snapshot'>>) | null = null;
  private recheckTimer: NodeJS.Timeout | null = null;
  private rechecking = false;

  @WebSocketServer()
  server: Server<Record<string, never>, FusionServerEvents>;

  constructor(
    private readonly auth: AuthService,
    @Inject(FUSION_CONFIG) private readonly config: FusionConfig,
  ) {}

  afterInit(server: Server): void {
    server.use(socketAuthMiddleware(this.auth));
    this.recheckTimer = setInterval(() => void this.closeRevokedSessions(), this.config.SESSION_RECHECK_SECONDS * 1000);
    this.recheckTimer.unref();
  }

  onModuleDestroy(): void {
    if (this.recheckTimer) clearInterval(this.recheckTimer);
    this.recheckTimer = null;
  }

  /** Disconnects every local socket whose session no longer holds; returns how many. */
  async closeRevokedSessions(): Promise<number> {
    if (!this.server || this.rechecking) return 0;
    this.rechecking = true;
    try {
      const sockets = [...this.server.sockets.sockets.values()].filter((s) => s.data?.user);
      const sessionOf = (s: Socket) => ({ userId: (s.data.user as AuthenticatedUser).id, tokenVersion: Number(s.data.tokenVersion ?? 0) });
      const revoked = await this.auth.revokedSessions(sockets.map(sessionOf));
      let closed = 0;
      for (const socket of sockets) {
        if (!revoked.has(sessionKey(sessionOf(socket)))) continue;
        socket.disconnect(true);
        closed++;
      }
      if (closed) this.logger.log(`closed ${closed} socket(s) whose user was disabled or signed out`);
      return closed;
    } catch (error) {
      this.logger.warn(`session re-check failed: ${(error as Error).message}`);
      return 0;
    } finally {
      this.rechecking = false;
    }
  }

  setSnapshotProvider(provider: () => Promise<Payload<'snapshot'>>): void {
    this.snapshotProvider = provider;
  }

  emit<E extends EventName>(event: E, payload: Payload<E>): void {
    // Before the HTTP server is listening there is nobody to tell.
    if (!this.server) return;
    (this.server.emit as (e: string, p: unknown) => boolean)(event, payload);
  }

  async handleConnection(client: Socket): Promise<void> {
    if (!this.snapshotProvider) return;
    try {
      client.emit('snapshot', await this.snapshotProvider());
    } catch (error) {
      this.logger.warn(`snapshot for ${client.id} failed: ${(error as Error).message}`);
    }
  }
}
