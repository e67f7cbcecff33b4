import type { FusionClientEvents, FusionServerEvents } from '@crosscast/contracts';
import { CLIENT_EVENT_NAMES } from '@crosscast/contracts';
import { io, type Socket } from 'socket.io-client';

export type LiveSocket = Socket<FusionServerEvents, FusionClientEvents>;
export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'offline';

/**
 * The socket.io link to the fusion service (same origin, websocket transport, the token in
 * the handshake). Follows one crossing's room at a time: forecasts, observations and full
 * statuses of that crossing come only to the sockets in its room; rooms do not survive a
 * reconnect, so the followed crossing is joined again on every connect.
 */
export class LiveLink {
  readonly socket: LiveSocket;
  private followed: string | null = null;

  constructor(token: string, onState: (state: ConnectionState, unauthorized: boolean) => void) {
    this.socket = io({ transports: ['websocket'], auth: { token } });
    this.socket.on('connect', () => {
      if (this.followed) this.socket.emit(CLIENT_EVENT_NAMES.subscribeCrossing, { crossingId: this.followed });
      onState('connected', false);
    });
    this.socket.on('disconnect', () => onState('reconnecting', false));
    this.socket.on('connect_error', (error: Error) => onState('reconnecting', /^unauthorized/.test(error.message)));
  }

  follow(crossingId: string | null): void {
    if (crossingId === this.followed) return;
    if (this.followed && this.socket.connected) this.socket.emit(CLIENT_EVENT_NAMES.unsubscribeCrossing, { crossingId: this.followed });
    this.followed = crossingId;
    if (crossingId && this.socket.connected) this.socket.emit(CLIENT_EVENT_NAMES.subscribeCrossing, { crossingId });
  }

  close(): void {
    this.socket.disconnect();
  }
}
