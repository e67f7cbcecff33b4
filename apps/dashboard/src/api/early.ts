import type { CityMapView } from '@crosscast/contracts';
import type { EarlySocket } from '../live/early-socket';

/**
 * What `preload.ts` (its own small script, run before the page is parsed, so always before
 * the deferred main bundle) starts while the main bundle is still arriving and being
 * compiled: on a busy machine that is most of a second earlier. The first render's largest
 * request (GET /api/city/map) and the socket, whose `snapshot` is the first render's last part.
 */
export interface EarlyRequests {
  cityMap: Promise<CityMapView> | null;
  socket: EarlySocket | null;
}

const KEY = '__crosscastEarly';
/** Absent: preload.js started nothing (yet); then each part is there until the app takes it. */
type WithEarly = { [KEY]?: EarlyRequests };

/** Whether preload.js should start the requests: not when the app already asked on its own. */
export function earlyRequestsWanted(): boolean {
  return (window as unknown as WithEarly)[KEY] === undefined;
}

export function setEarlyRequests(early: EarlyRequests): void {
  (window as unknown as WithEarly)[KEY] = early;
}

/** The parts not taken yet; a late preload.js finds this and starts nothing. */
function early(): EarlyRequests {
  return ((window as unknown as WithEarly)[KEY] ??= { cityMap: null, socket: null });
}

/** The early city map request, once (a reload after a reconnect asks again); null when none was started. */
export function takeEarlyCityMap(): Promise<CityMapView> | null {
  const e = early();
  const cityMap = e.cityMap;
  e.cityMap = null;
  return cityMap;
}

/**
 * The early socket, once, when it was opened with this token and kept every event it
 * received; otherwise it is closed and null returned (the app opens its own).
 */
export function takeEarlySocket(token: string): EarlySocket | null {
  const e = early();
  const socket = e.socket;
  e.socket = null;
  if (socket && (socket.token !== token || socket.overflowed)) {
    socket.socket.disconnect();
    return null;
  }
  return socket;
}
