import { bearer, loginAs } from './auth';

/** One viewer token per fusion URL: logging in for every call would trip the login rate limit. */
const viewerTokens = new Map<string, string>();

async function viewerToken(baseUrl: string, renew: boolean): Promise<string> {
  let token = viewerTokens.get(baseUrl);
  if (!token || renew) {
    token = await loginAs(baseUrl, 'viewer');
    viewerTokens.set(baseUrl, token);
  }
  return token;
}

/**
 * The one place the fault and bad-input tests call fusion's REST API, signed in as a
 * viewer (every read needs that role), so a bad parameter reaches validation instead of
 * stopping at 401. The tests otherwise check PostgreSQL, Redis and /health.
 */
export async function restGet(baseUrl: string, pathAndQuery: string): Promise<{ status: number; body: unknown }> {
  let response = await fetch(`${baseUrl}${pathAndQuery}`, { headers: { accept: 'application/json', ...bearer(await viewerToken(baseUrl, false)) } });
  if (response.status === 401) response = await fetch(`${baseUrl}${pathAndQuery}`, { headers: { accept: 'application/json', ...bearer(await viewerToken(baseUrl, true)) } });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON: keep the text */
  }
  return { status: response.status, body };
}

/** `/health` is public by design (container checks), so it needs no token. */
export async function healthOf(baseUrl: string): Promise<{ status: number; body: { status?: string; postgres?: { ok: boolean; error?: string }; redis?: { ok: boolean; error?: string } } }> {
  const response = await fetch(`${baseUrl}/health`);
  return { status: response.status, body: (await response.json()) as never };
}
