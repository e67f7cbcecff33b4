import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { dashboardFiles } from './dashboard-files';

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: Buffer | undefined;
  passed: boolean;
}

function ask(handler: ReturnType<typeof dashboardFiles>, url: string, headers: Record<string, string> = {}, method = 'GET'): Answer {
  const answer: Answer = { status: 0, headers: {}, body: undefined, passed: false };
  handler(
    { method, path: url, headers },
    { statusCode: 0, setHeader: (name, value) => (answer.headers[name.toLowerCase()] = value), end(body) { answer.status = this.statusCode; answer.body = body; } },
    () => (answer.passed = true),
  );
  return answer;
}

describe('dashboard files from memory', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crosscast-files-'));
  const script = `console.log(${JSON.stringify('x'.repeat(5000))});`;
  beforeAll(() => {
    fs.mkdirSync(path.join(dir, 'dist', 'assets'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>x</title>');
    fs.writeFileSync(path.join(dir, 'dist', 'dashboard.js'), script);
    fs.writeFileSync(path.join(dir, 'dist', 'assets', 'layers-ABC.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('serves index.html for /, with its type and a validator; revalidated each time', () => {
    const handler = dashboardFiles(dir);
    const a = ask(handler, '/');
    expect(a).toMatchObject({ status: 200, passed: false });
    expect(a.body!.toString()).toContain('<title>x</title>');
    expect(a.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(a.headers['cache-control']).toBe('no-cache');
    expect(ask(handler, '/', { 'if-none-match': a.headers.etag })).toMatchObject({ status: 304, body: undefined });
  });

  it('gzips a text file for a browser that accepts it, and not for one that does not', () => {
    const handler = dashboardFiles(dir);
    const zipped = ask(handler, '/dist/dashboard.js', { 'accept-encoding': 'gzip, deflate, br' });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.body!.length).toBeLessThan(script.length / 10);
    expect(gunzipSync(zipped.body!).toString()).toBe(script);
    const plain = ask(handler, '/dist/dashboard.js');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body!.toString()).toBe(script);
    expect(plain.headers.etag).toBe(zipped.headers.etag);
  });

  it('caches hashed assets for good, and passes on what it does not have or must not serve', () => {
    const handler = dashboardFiles(dir);
    expect(ask(handler, '/dist/assets/layers-ABC.png').headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(ask(handler, '/api/crossings').passed).toBe(true);
    expect(ask(handler, '/../package.json').passed).toBe(true);
    expect(ask(handler, '/dist/%2e%2e/%2e%2e/package.json').passed).toBe(true);
    expect(ask(handler, '/index.html', {}, 'POST').passed).toBe(true);
  });

  it('serves a file built after start, and a changed file as it is now', async () => {
    const handler = dashboardFiles(dir);
    expect(ask(handler, '/dist/late.css').passed).toBe(true);
    fs.writeFileSync(path.join(dir, 'dist', 'late.css'), 'body{}');
    expect(ask(handler, '/dist/late.css').body!.toString()).toBe('body{}');
    fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>y</title>');
    // The watcher drops the stale copy (fs.watch reports within a moment).
    const deadline = Date.now() + 5000;
    while (!ask(handler, '/').body!.toString().includes('<title>y</title>') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(ask(handler, '/').body!.toString()).toContain('<title>y</title>');
  });
});
