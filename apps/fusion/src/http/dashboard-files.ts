import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';

/** What this middleware uses of Express's request and response. */
interface FileRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
}
interface FileResponse {
  statusCode: number;
  setHeader(name: string, value: string): unknown;
  end(body?: Buffer): unknown;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};
/** Worth compressing (images are compressed already). */
const TEXT = /^(text\/|application\/json|image\/svg)/;

/** One file as served: its bytes, gzipped when that is smaller, its validator and headers. */
export interface ServedFile {
  body: Buffer;
  gzip: Buffer | null;
  etag: string;
  type: string;
  cacheControl: string;
}

/** The file's answer: content type, an ETag, gzip when worth it; names with a content hash (dist/assets) are cached for good, the rest revalidated each time. */
export function servedFile(name: string, body: Buffer): ServedFile {
  const type = TYPES[path.extname(name).toLowerCase()] ?? 'application/octet-stream';
  const gz = TEXT.test(type) && body.length > 1024 ? gzipSync(body) : null;
  return {
    body,
    gzip: gz && gz.length < body.length ? gz : null,
    etag: `"${createHash('sha1').update(body).digest('base64url').slice(0, 22)}"`,
    type,
    cacheControl: /(^|\/)assets\//.test(name) ? 'public, max-age=31536000, immutable' : 'no-cache',
  };
}

/**
 * The dashboard's static files (index.html, styles, the esbuild bundle) served from memory:
 * read and gzipped once, then each request is answered in one turn of the event loop, with
 * no file-system round trips (express.static's stat, open and reads each waited behind the
 * forecast flood's work, one after another), an ETag (304 when unchanged) and gzip when the
 * browser accepts it. A file changed on disk (`build.js --watch`) is read again on its next
 * request; one not read at start (a new build output) is looked for then.
 */
export function dashboardFiles(dir: string): (req: FileRequest, res: FileResponse, next: () => void) => void {
  const root = path.resolve(dir);
  const files = new Map<string, ServedFile | null>();
  const load = (name: string): ServedFile | null => {
    const file = path.join(root, name);
    if (!file.startsWith(`${root}${path.sep}`)) return null;
    try {
      return fs.statSync(file).isFile() ? servedFile(name, fs.readFileSync(file)) : null;
    } catch {
      return null;
    }
  };
  // Each folder is watched on its own (not `recursive`, which Node 20 emulates on Linux); the watchers never keep the process alive.
  const watched = new Set<string>();
  const watch = (sub: string): void => {
    if (watched.has(sub)) return;
    watched.add(sub);
    try {
      fs.watch(path.join(root, sub), { persistent: false }, (_event, name) => {
        if (name) files.delete(path.posix.join(sub, String(name)));
      });
    } catch {
      /* no watching here: files stay as read at start */
    }
  };
  const walk = (sub: string): void => {
    if (!fs.existsSync(path.join(root, sub))) return;
    watch(sub);
    for (const entry of fs.readdirSync(path.join(root, sub), { withFileTypes: true })) {
      const name = path.posix.join(sub, entry.name);
      if (entry.isDirectory()) walk(name);
      else if (entry.isFile()) files.set(name, load(name));
    }
  };
  walk('');
  return (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    let name: string;
    try {
      name = decodeURIComponent(req.path).replace(/^\/+/, '');
    } catch {
      return next();
    }
    if (name === '' || name.endsWith('/')) name += 'index.html';
    if (name.split('/').some((part) => part === '..' || part.startsWith('.'))) return next();
    let file = files.get(name);
    if (file === undefined) {
      file = load(name);
      // Remember only what exists: a miss is looked for again (it may be built later), without filling the map with every probed name.
      if (file) {
        files.set(name, file);
        watch(path.posix.dirname(name) === '.' ? '' : path.posix.dirname(name));
      }
    }
    if (!file) return next();
    res.setHeader('Content-Type', file.type);
    res.setHeader('Cache-Control', file.cacheControl);
    res.setHeader('ETag', file.etag);
    res.setHeader('Vary', 'Accept-Encoding');
    const match = req.headers['if-none-match'];
    if (typeof match === 'string' && match.split(',').some((tag) => tag.trim().replace(/^W\//, '') === file!.etag)) {
      res.statusCode = 304;
      return void res.end();
    }
    const accepts = String(req.headers['accept-encoding'] ?? '');
    const body = file.gzip && /\bgzip\b/.test(accepts) ? file.gzip : file.body;
    if (body === file.gzip) res.setHeader('Content-Encoding', 'gzip');
    res.setHeader('Content-Length', String(body.length));
    res.statusCode = 200;
    res.end(req.method === 'HEAD' ? undefined : body);
  };
}
