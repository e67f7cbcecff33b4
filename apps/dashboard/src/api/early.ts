import type { CityMapView } from '@crosscast/contracts';

/**
 * The first render's largest request (GET /api/city/map), started by `preload.ts` (its own
 * small script, run before the page is parsed, so always before the deferred main bundle) while the main bundle is still
 * arriving and being compiled: on a busy machine that is most of a second earlier.
 */
export interface EarlyRequests {
  cityMap: Promise<CityMapView>;
}

const KEY = '__crosscastEarly';
/** Not started, started, or taken by the app (then a late preload.js starts nothing). */
type WithEarly = { [KEY]?: EarlyRequests | 'taken' };

/** Whether preload.js should start the requests: not when the app already asked on its own. */
export function earlyRequestsWanted(): boolean {
  return (window as unknown as WithEarly)[KEY] === undefined;
}

export function setEarlyRequests(early: EarlyRequests): void {
  (window as unknown as WithEarly)[KEY] = early;
}

/** The early city map request, once (a reload after a reconnect asks again); null when none was started. */
export function takeEarlyCityMap(): Promise<CityMapView> | null {
  const w = window as unknown as WithEarly;
  const early = w[KEY];
  w[KEY] = 'taken';
  return early && early !== 'taken' ? early.cityMap : null;
}
