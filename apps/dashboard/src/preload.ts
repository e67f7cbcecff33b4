import { FusionApi } from './api/client';
import { earlyRequestsWanted, setEarlyRequests } from './api/early';
import { loadSession } from './api/session';
import { openEarlySocket } from './live/early-socket';

/**
 * A small script run before the page is parsed (index.html), so before the deferred main
 * bundle: with a session in this tab it opens the socket (whose `snapshot` is the first
 * render's last part: its handshake and sign-in are on their way while the bundle arrives)
 * and asks for GET /api/city/map at once, and the app takes both (api/early.ts). Without a
 * session it does nothing (the app signs in first), nor when it ran after the app had
 * asked. A refused or failed early request is simply asked again by the app, which handles
 * a 401 (sign out) as for any request; a refused socket is reported to the app as a
 * refused connection.
 */
const session = loadSession();
if (session && earlyRequestsWanted()) {
  const socket = openEarlySocket(session.token);
  const cityMap = new FusionApi(() => session, () => undefined).cityMap();
  cityMap.catch(() => undefined); // the app asks again
  setEarlyRequests({ cityMap, socket });
}
