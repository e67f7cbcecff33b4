import { Inject, Logger, OnModuleDestroy } from '@nestjs/common';
import { ConnectedSocket, MessageBody, OnGatewayConnection, OnGatewayInit, SubscribeMessage, WebSocketGateway, WebSocketServer } from '@nestjs/websockets';
import type { Server, Socket } from 'socket.io';
import { FusionServerEvents } from '@crosscast/contracts';
import { AuthService, sessionKey } from '../auth/auth.service';
import type { AuthenticatedUser } from '../auth/roles';
import { FUSION_CONFIG, type FusionConfig } from '../config';
import { socketAuthMiddleware } from '../auth/socket-auth';
import { Roles } from '../auth/decorators';
import { CityRepository } from '../repositories/city.repository';

type EventName = keyof FusionServerEvents;
type Payload<E extends EventName> = Parameters<FusionServerEvents[E]>[0];

/** Events about one crossing: sent only to the sockets in that crossing's room. */
export type CrossingEventName = 'forecast' | 'observation' | 'crossing-status' | 'crossing-fused';

/** The room of one crossing's detail events. */
export const crossingRoom = (crossingId: string) => `crossing:${crossingId}`;

/** A socket follows at most this many crossings at once (its oldest room is left first). */
export const MAX_CROSSING_ROOMS_PER_SOCKET = 32;

export type CrossingSubscriptionReply = { ok: true; crossingId: string; rooms: string[] } | { ok: false; error: string };

/**
 * The socket.io side of the fusion service: dashboards connect here and receive every
 * event in FusionServerEvents. Only clients with a valid token connect (handshake
 * middleware, see auth/socket-auth.ts). On connect a client gets a snapshot, so a page
 * opened mid-replay is complete at once. Every SESSION_RECHECK_SECONDS the open sockets'
 * sessions are re-checked in one query, and a socket whose user was disabled, or whose
 * tokens were revoked (sign-out, disable, role or password change), is disconnected.
 *
 * Fan-out: city-wide events (city-forecast, crossing-summaries, ...) go to
 * every client; one crossing's detail events (forecast, observation, crossing-fused,
 * crossing-status) go only to the clients in its room, from each instance to its own
 * sockets (emitToLocalFollowers), which a client joins with `subscribe-crossing` (body `{crossingId}` or the id, viewer
 * role) and leaves with `unsubscribe-crossing`. Every
 * @SubscribeMessage handler declares @Roles (the global AccessGuard refuses it otherwise).
 */
@WebSocketGateway({ cors: { origin: false } })
export class LiveGateway implements OnGatewayConnection, OnGatewayInit, OnModuleDestroy {
  private readonly logger = new Logger(LiveGateway.name);
  private snapshotProvider: (() => Promise<Payload<'snapshot'>>) | null = null;
  private followProvider: ((crossingId: string) => { status: Payload<'crossing-status'> | null; fused: Payload<'crossing-fused'> | null }) | null = null;
  private recheckTimer: NodeJS.Timeout | null = null;
  private rechecking = false;
  /** Set once the module is being destroyed: nothing is emitted after it. */
  private closing = false;

  @WebSocketServer()
  server: Server<Record<string, never>, FusionServerEvents>;

  constructor(
    private readonly auth: AuthService,
    @Inject(FUSION_CONFIG) private readonly config: FusionConfig,
    private readonly city: CityRepository,
  ) {}

  afterInit(server: Server): void {
    server.use(socketAuthMiddleware(this.auth));
    this.recheckTimer = setInterval(() => void this.closeRevokedSessions(), this.config.SESSION_RECHECK_SECONDS * 1000);
    this.recheckTimer.unref();
  }

  onModuleDestroy(): void {
    if (this.recheckTimer) clearInterval(this.recheckTimer);
    this.recheckTimer = null;
    // Shutting down: the Redis adapter's connections close next, and a broadcast after that
    // would be an unhandled rejection inside the adapter (work still in flight, such as a
    // planning round, emits until it ends). Nobody is left to tell anyway.
    this.closing = true;
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

  /** What a socket gets at once when it starts following a crossing: its full status and its fused values, where known. */
  setFollowProvider(provider: (crossingId: string) => { status: Payload<'crossing-status'> | null; fused: Payload<'crossing-fused'> | null }): void {
    this.followProvider = provider;
  }

  /** The crossings followed by at least one socket connected to this instance. */
  locallyFollowedCrossings(): string[] {
    const ids: string[] = [];
    for (const [room, members] of this.server?.sockets.adapter.rooms ?? []) if (members.size > 0 && room.startsWith('crossing:')) ids.push(room.slice('crossing:'.length));
    return ids;
  }

  emit<E extends EventName>(event: E, payload: Payload<E>): void {
    // Before the HTTP server is listening, or once it is closing, there is nobody to tell.
    if (!this.server || this.closing) return;
    (this.server.emit as (e: string, p: unknown) => boolean)(event, payload);
  }

  /** Whether a socket connected to this instance follows the crossing (its room has a member here). */
  hasLocalFollowers(crossingId: string): boolean {
    return (this.server?.sockets.adapter.rooms.get(crossingRoom(crossingId))?.size ?? 0) > 0;
  }

  /**
   * One crossing's detail event, to the sockets connected to this instance that follow it
   * (not through the Redis adapter: every instance hears of a stored forecast from the
   * fusion feed and tells its own sockets, CrossingEventsService).
   */
  emitToLocalFollowers<E extends CrossingEventName>(crossingId: string, event: E, payload: Payload<E>): void {
    if (!this.hasLocalFollowers(crossingId)) return;
    (this.server.local.to(crossingRoom(crossingId)).emit as (e: string, p: unknown) => boolean)(event, payload);
  }

  @Roles('viewer')
  @SubscribeMessage('subscribe-crossing')
  subscribeCrossing(@ConnectedSocket() client: Socket, @MessageBody() body: unknown): CrossingSubscriptionReply {
    const crossingId = this.knownCrossing(body);
    if (!crossingId) return { ok: false, error: 'unknown crossing: send {"crossingId": "<id>"} of a crossing of this city' };
    const rooms = [...client.rooms].filter((r) => r.startsWith('crossing:'));
    if (!rooms.includes(crossingRoom(crossingId)) && rooms.length >= MAX_CROSSING_ROOMS_PER_SOCKET) void client.leave(rooms[0]);
    void client.join(crossingRoom(crossingId));
    const now = this.followProvider?.(crossingId);
    if (now?.status) client.emit('crossing-status', now.status);
    if (now?.fused) client.emit('crossing-fused', now.fused);
    return { ok: true, crossingId, rooms: [...client.rooms].filter((r) => r.startsWith('crossing:')) };
  }

  @Roles('viewer')
  @SubscribeMessage('unsubscribe-crossing')
  unsubscribeCrossing(@ConnectedSocket() client: Socket, @MessageBody() body: unknown): CrossingSubscriptionReply {
    const crossingId = this.knownCrossing(body);
    if (!crossingId) return { ok: false, error: 'unknown crossing: send {"crossingId": "<id>"} of a crossing of this city' };
    void client.leave(crossingRoom(crossingId));
    return { ok: true, crossingId, rooms: [...client.rooms].filter((r) => r.startsWith('crossing:')) };
  }

  private knownCrossing(body: unknown): string | null {
    const id = typeof body === 'string' ? body : body && typeof body === 'object' ? (body as { crossingId?: unknown }).crossingId : undefined;
    return typeof id === 'string' && this.city.get(id) ? id : null;
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
