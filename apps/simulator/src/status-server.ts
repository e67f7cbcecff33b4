import * as http from 'node:http';

/**
 * The simulator's small HTTP server (simulate mode): `GET /health` (200 when `ok`, else
 * 503) and `GET /metrics` (the latest SimulationReport and run counters, JSON).
 */
export function startStatusServer(port: number, health: () => { ok: boolean; body: unknown }, metrics: () => unknown, host = '127.0.0.1'): http.Server {
  const server = http.createServer((request, response) => {
    const url = (request.url ?? '').split('?')[0];
    if (request.method === 'GET' && url === '/health') {
      const { ok, body } = health();
      response.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    } else if (request.method === 'GET' && url === '/metrics') {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(metrics()));
    } else {
      response.writeHead(404).end();
    }
  });
  server.listen(port, host);
  return server;
}
