import * as fs from 'node:fs';
import * as path from 'node:path';
import { SERVER_EVENT_NAMES } from '@crosscast/contracts';
import { codeQueues, codeRoutes, difference, documentedRoutes, documentedSpecs, filesUnder, section } from '../support/docs-truth';

/**
 * The docs tell the truth about the interfaces (issue 15, item 5): the README's REST table
 * lists exactly the routes the controllers declare, ARCHITECTURE §4 names every queue and
 * every socket.io event, and every spec file the docs (with the apps' READMEs) name exists.
 */
const ROOT = path.resolve(__dirname, '../..');
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');
const README = read('README.md');
const ARCHITECTURE = read('ARCHITECTURE.md');
const controllers = () => filesUnder(path.join(ROOT, 'apps'), /\.controller\.ts$/).map((file) => ({ file: path.relative(ROOT, file), text: fs.readFileSync(file, 'utf8') }));
const contractSources = () => filesUnder(path.join(ROOT, 'libs/contracts/src'), /\.ts$/).filter((f) => !f.endsWith('.spec.ts')).map((f) => fs.readFileSync(f, 'utf8'));

describe('docs tell the truth', () => {
  it("README's REST table lists exactly the routes the controllers declare", () => {
    const documented = documentedRoutes(section(README, '## REST API'));
    const actual = codeRoutes(controllers());
    expect(actual.size).toBeGreaterThan(30);
    expect(difference(documented, actual)).toEqual({ undocumented: [], missingInCode: [] });
  });

  it('ARCHITECTURE §4 names every queue, and the README mentions each', () => {
    const messages = section(ARCHITECTURE, '## 4. Messages');
    const queues = codeQueues(contractSources());
    expect(queues.size).toBeGreaterThanOrEqual(6);
    expect([...queues].filter((q) => !messages.includes(`\`${q}\``)).sort()).toEqual([]);
    expect([...queues].filter((q) => !README.includes(q)).sort()).toEqual([]);
    // …and every `crosscast-…` BullMQ queue the section names is a real one.
    const named = [...messages.matchAll(/BullMQ `(crosscast-[a-z-]+)`/g)].map((m) => m[1]);
    expect(named.filter((q) => !queues.has(q))).toEqual([]);
  });

  it('ARCHITECTURE §4 describes every socket.io event the server emits', () => {
    const messages = section(ARCHITECTURE, '## 4. Messages');
    const missing = Object.values(SERVER_EVENT_NAMES).filter((event) => !messages.includes(`| \`${event}\` |`));
    expect(missing.sort()).toEqual([]);
  });

  it('every spec file the docs name exists', () => {
    const existing = new Set(filesUnder(path.join(ROOT, 'test'), /-spec\.ts$/).map((f) => path.basename(f)));
    const appReadmes = fs.readdirSync(path.join(ROOT, 'apps')).map((app) => path.join('apps', app, 'README.md')).filter((f) => fs.existsSync(path.join(ROOT, f)));
    expect(appReadmes.length).toBeGreaterThanOrEqual(4);
    const named = new Set([...documentedSpecs(README), ...documentedSpecs(ARCHITECTURE), ...documentedSpecs(read('RELIABILITY.md')), ...appReadmes.flatMap((f) => [...documentedSpecs(read(f))])]);
    expect([...named].filter((s) => !existing.has(s)).sort()).toEqual([]);
  });

  it('fails when a documented route or queue is removed from the code, or a route from the docs', () => {
    const rest = section(README, '## REST API');
    const all = controllers();
    // A controller loses its corridor accept route: the README still lists it.
    const withoutRoute = all.map((c) => ({ ...c, text: c.text.replace("@Post('corridor-recommendations/:id/accept')", '') }));
    expect(difference(documentedRoutes(rest), codeRoutes(withoutRoute)).missingInCode).toEqual(['POST /api/corridor-recommendations/:param/accept']);
    // The README loses a row: the route is undocumented.
    const withoutRow = rest.split('\n').filter((l) => !l.startsWith('| `GET /api/corridors`')).join('\n');
    expect(difference(documentedRoutes(withoutRow), codeRoutes(all)).undocumented).toEqual(['GET /api/corridors']);
    // A queue constant disappears: ARCHITECTURE still names it as a BullMQ queue.
    const queues = codeQueues(contractSources().map((t) => t.replace("export const TIMING_PLAN_QUEUE = 'crosscast-timing-plans';", '')));
    const named = [...section(ARCHITECTURE, '## 4. Messages').matchAll(/BullMQ `(crosscast-[a-z-]+)`/g)].map((m) => m[1]);
    expect(named.filter((q) => !queues.has(q))).toEqual(['crosscast-timing-plans']);
  });
});
