import { type LiveSocket, openSocket } from './socket';

/** Events kept for the app at most; a socket that received more before the app took it is closed and opened again by the app. */
const MAX_KEPT_EVENTS = 500;

/**
 * The socket preload.js opens before the main bundle is parsed (with a session in this
 * tab), so its handshake, sign-in and `snapshot` are under way while the bundle arrives
 * and compiles. Until the app takes it, every event it receives is kept in order, and
 * whether its last connection attempt was refused; `replay()` hands the kept events to the
 * listeners the app has put on since, in the order they came.
 */
export interface EarlySocket {
  readonly socket: LiveSocket;
  readonly token: string;
  /** The last connection error since the last connect (null: none, or connected since). */
  readonly lastError: Error | null;
  /** Whether more events came than are kept (the app then opens its own socket). */
  readonly overflowed: boolean;
  /** Stops keeping events and delivers the kept ones to the socket's listeners now. */
  replay(): void;
}

/** What socket.io-client's emitter offers for handing events over (its typed surface does not name arbitrary events). */
interface Listeners {
  listeners(event: string): Array<(...args: unknown[]) => void>;
}

export function openEarlySocket(token: string): EarlySocket {
  const socket = openSocket(token);
  const kept: Array<[string, unknown[]]> = [];
  let overflowed = false;
  let lastError: Error | null = null;
  const keep = (event: string, ...args: unknown[]) => {
    if (kept.length < MAX_KEPT_EVENTS) kept.push([event, args]);
    else overflowed = true;
  };
  socket.onAny(keep);
  socket.on('connect', () => (lastError = null));
  socket.on('connect_error', (error: Error) => (lastError = error));
  return {
    socket,
    token,
    get lastError() {
      return lastError;
    },
    get overflowed() {
      return overflowed;
    },
    replay() {
      socket.offAny(keep);
      const events = kept.splice(0);
      for (const [event, args] of events) for (const listener of (socket as unknown as Listeners).listeners(event)) listener(...args);
    },
  };
}
