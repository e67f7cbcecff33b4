import { Logger } from '@nestjs/common';
import { OnGatewayConnection, OnGatewayInit, WebSocketGateway, WebSocketServer } from '@nestjs/websockets';
import type { Server, Socket } from 'socket.io';
import { FusionServerEvents } from '@crosscast/contracts';
import { AuthService } from '../auth/auth.service';
import { socketAuthMiddleware } from '../auth/socket-auth';

type EventName = keyof FusionServerEvents;
type Payload<E extends EventName> = Parameters<FusionServerEvents[E]>[0];

/**
 * The socket.io side of the fusion service: dashboards connect here and receive every
 * event in FusionServerEvents. Only clients with a valid token connect (handshake
 * middleware, see auth/socket-auth.ts). On connect a client gets a snapshot, so a page
 * opened mid-replay is complete at once. Clients send no events; a future
 * @SubscribeMessage handler must declare @Roles (the global AccessGuard refuses it otherwise).
 */
@WebSocketGateway({ cors: { origin: false } })
export class LiveGateway implements OnGatewayConnection, OnGatewayInit {
  private readonly logger = new Logger(LiveGateway.name);
  private snapshotProvider: (() => Promise<Payload<'snapshot'>>) | null = null;

  @WebSocketServer()
  server: Server<Record<string, never>, FusionServerEvents>;

  constructor(private readonly auth: AuthService) {}

  afterInit(server: Server): void {
    server.use(socketAuthMiddleware(this.auth));
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
