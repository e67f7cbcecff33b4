import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The dashboard's sources keep to the rules the reviews asked for: REST paths only from the
 * operations generated from the OpenAPI document (api/generated.ts, which
 * test/static/openapi.spec.ts keeps equal to the document) and socket event names only from
 * @crosscast/contracts (no bare '/api/…' or event-name strings elsewhere), and data into the
 * DOM through text (no innerHTML / outerHTML / insertAdjacentHTML).
 */
describe('dashboard sources', () => {
  const dir = path.join(__dirname);
  const files: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith('.ts') && !p.endsWith('.spec.ts')) files.push(p);
    }
  };
  walk(dir);
  const events = ['forecast', 'observation', 'recommendation', 'recommendation-decided', 'recommendation-status', 'corridor-recommendation', 'corridor-decided', 'automatic-mode', 'crossing-status', 'crossing-summaries', 'city-forecast', 'crossing-fused', 'snapshot', 'simulation-report', 'alert-acknowledged', 'subscribe-crossing', 'unsubscribe-crossing'];

  it('has sources to check', () => expect(files.length).toBeGreaterThan(10));

  it.each(['innerHTML', 'outerHTML', 'insertAdjacentHTML', 'document.write'])('never uses %s', (api) => {
    expect(files.filter((f) => fs.readFileSync(f, 'utf8').includes(api)).map((f) => path.relative(dir, f))).toEqual([]);
  });

  it('writes no REST path as a string (outside the generated operations)', () => {
    const handWritten = files.filter((f) => path.relative(dir, f) !== path.join('api', 'generated.ts'));
    expect(handWritten.length).toBe(files.length - 1);
    expect(handWritten.filter((f) => /['"`]\/api\//.test(fs.readFileSync(f, 'utf8'))).map((f) => path.relative(dir, f))).toEqual([]);
  });

  it('subscribes to and emits no event by a bare name', () => {
    const bare = new RegExp(`\\.(on|once|emit|off)\\(\\s*['"\`](${events.join('|')})['"\`]`);
    expect(files.filter((f) => bare.test(fs.readFileSync(f, 'utf8'))).map((f) => path.relative(dir, f))).toEqual([]);
  });
});
