import type { FusionClientEvents, FusionServerEvents } from '@crosscast/contracts';
import { CLIENT_EVENT_NAMES } from '@crosscast/contracts';
import { io, type Socket } from 'socket.io-client';
import type { EarlySocket } from './early-socket';

export type LiveSocket = Socket<FusionServerEvents, FusionClientEvents>;
export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'offline';

/** The socket.io connection to the fusion service: same origin, websocket transport, the token in the handshake. */
export function openSocket(token: string): LiveSocket {
  return io({ transports: ['websocket'], auth: { token } });
}

/**
 * The socket.io link to the fusion service. Follows one crossing's room at a time:
 * forecasts, observations and full statuses of that crossing come only to the sockets in
 * its room; rooms do not survive a reconnect, so the followed crossing is joined again on
 * every connect. It opens its own socket, or takes the one preload.js opened before the
 * main bundle ran (live/early-socket.ts): the state that socket reached meanwhile
 * (connected, or refused) is reported once the caller has its link; the events it received
 * meanwhile are handed over with `early.replay()` once the caller's handlers are on.
 */
export class LiveLink {
  readonly socket: LiveSocket;
  private followed: string | null = null;

  constructor(token: string, onState: (state: ConnectionState, unauthorized: boolean) => void, early: EarlySocket | null = null) {
    this.socket = early?.socket ?? openSocket(token);
    this.socket.on('connect', () => {
      if (this.followed) this.socket.emit(CLIENT_EVENT_NAMES.subscribeCrossing, { crossingId: this.followed });
      onState('connected', false);
    });
    this.socket.on('disconnect', () => onState('reconnecting', false));
    this.socket.on('connect_error', (error: Error) => onState('reconnecting', /^unauthorized/.test(error.message)));
    if (early) {
      // What happened before this link existed (a connected socket joins its room in follow()).
      const error = early.lastError;
      queueMicrotask(() => {
        if (this.socket.connected) onState('connected', false);
        else if (error) onState('reconnecting', /^unauthorized/.test(error.message));
      });
    }
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
