import * as http from 'node:http';

/**
 * A container health check for the apps without an HTTP framework (edge worker,
 * simulator): `GET /health` answers the report as JSON, 200 when `ok`, else 503; every
 * other path is 404. Returns the server so the app closes it on shutdown.
 */
export function startHealthServer(port: number, report: () => { ok: boolean; body: unknown }, host = '127.0.0.1'): http.Server {
  const server = http.createServer((request, response) => {
    if (request.url !== '/health') {
      response.writeHead(404).end();
      return;
    }
    const { ok, body } = report();
    response.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  server.listen(port, host);
  return server;
}
