import { FusionApi } from './api/client';
import { earlyRequestsWanted, setEarlyRequests } from './api/early';
import { loadSession } from './api/session';

/**
 * A few KiB run before the page is parsed (index.html), so before the deferred main bundle: with a session in this tab it
 * asks for GET /api/city/map at once, and the app takes the answer (api/early.ts). Without a
 * session it does nothing (the app signs in first), nor when it ran after the app had asked. A refused or failed early request is
 * simply asked again by the app, which handles a 401 (sign out) as for any request.
 */
const session = loadSession();
if (session && earlyRequestsWanted()) {
  const cityMap = new FusionApi(() => session, () => undefined).cityMap();
  cityMap.catch(() => undefined); // the app asks again
  setEarlyRequests({ cityMap });
}
