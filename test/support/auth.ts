/**
 * Signing in for tests: the development users fusion creates at start when NODE_ENV is
 * not production (apps/fusion/src/auth/access-config.ts, DEV_USERS; README lists them).
 */
export const DEV_PASSWORDS = { admin: 'crosscast-admin', operator: 'crosscast-operator', viewer: 'crosscast-viewer' } as const;
export type DevUser = keyof typeof DEV_PASSWORDS;

/** Logs in over REST and returns the bearer token; fails with the server's answer. */
export async function loginAs(baseUrl: string, user: DevUser, password: string = DEV_PASSWORDS[user]): Promise<string> {
  const response = await fetch(`${baseUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: user, password }),
  });
  if (response.status !== 200) throw new Error(`login as ${user}: HTTP ${response.status} ${await response.text()}`);
  return ((await response.json()) as { token: string }).token;
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** A fetch that sends the token: `const api = authedFetch(baseUrl, token); await api('/api/crossings')`. */
export function authedFetch(baseUrl: string, token: string) {
  return (pathAndQuery: string, init: RequestInit = {}) =>
    fetch(`${baseUrl}${pathAndQuery}`, { ...init, headers: { ...bearer(token), ...(init.body ? { 'content-type': 'application/json' } : {}), ...(init.headers ?? {}) } });
}
