import * as fs from 'node:fs';
import * as path from 'node:path';
import { API_PATHS } from '@crosscast/contracts';

/**
 * Every REST path the dashboard (and any client) takes from API_PATHS is a route a fusion
 * controller declares (read from the @Controller / @Get / @Post / @Put decorators), so a
 * renamed or removed route fails here instead of in an operator's browser.
 */
describe('API_PATHS against the fusion controllers', () => {
  const dir = path.resolve(__dirname, '../../../fusion/src');
  const routes = new Set<string>();
  const controllers: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(d, e.name));
      else if (e.name.endsWith('.controller.ts')) controllers.push(path.join(d, e.name));
    }
  };
  walk(dir);
  for (const file of controllers) {
    const text = fs.readFileSync(file, 'utf8');
    const base = /@Controller\('([^']*)'\)/.exec(text)?.[1] ?? '';
    for (const m of text.matchAll(/@(Get|Post|Put|Patch|Delete)\((?:'([^']*)')?\)/g)) {
      const route = `/${[base, m[2] ?? ''].filter(Boolean).join('/')}`.replace(/\/:[^/]+/g, '/:param');
      routes.add(route);
    }
  }
  const pathOf = (value: string | ((id: string) => string)) => (typeof value === 'string' ? value : value('X')).replace(/\/X(?=\/|$)/g, '/:param');

  it('reads the controllers', () => expect(routes.size).toBeGreaterThan(20));

  it.each(Object.entries(API_PATHS))('%s is a declared route', (_name, value) => {
    expect([...routes]).toContain(pathOf(value));
  });
});
