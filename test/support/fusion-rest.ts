/**
 * The one place the fault and bad-input tests call fusion's REST API. When the API needs
 * an operator token, add it here (the tests otherwise check PostgreSQL, Redis and /health).
 */
export async function restGet(baseUrl: string, pathAndQuery: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${baseUrl}${pathAndQuery}`, { headers: { accept: 'application/json' } });
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
