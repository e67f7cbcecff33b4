import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * What the docs say against what the code has, read statically (no app started): REST
 * routes (README's REST table vs the controllers' decorators), queues (the contracts' queue
 * constants vs ARCHITECTURE §4 and the README), socket.io events (SERVER_EVENT_NAMES vs
 * ARCHITECTURE §4) and test specs (every spec file the docs name exists). Pure functions over
 * texts, so a spec can show they catch a removed route or queue.
 */

const HTTP_METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);

/** "GET /api/crossings/:id" with every path parameter written `:param` and no query. */
export function normaliseRoute(method: string, routePath: string): string {
  const clean = ('/' + routePath.split('?')[0]).replace(/\/+/g, '/').replace(/\/$/, '') || '/';
  return `${method.toUpperCase()} ${clean.replace(/:[A-Za-z_]+/g, ':param')}`;
}

/** The lines of a markdown section: from its heading to the next heading of the same or a higher level. */
export function section(markdown: string, heading: string): string {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => l.trim() === heading);
  if (start < 0) throw new Error(`no section "${heading}"`);
  const level = heading.match(/^#+/)![0].length;
  const end = lines.findIndex((l, i) => i > start && /^#+ /.test(l) && l.match(/^#+/)![0].length <= level);
  return lines.slice(start, end < 0 ? undefined : end).join('\n');
}

/** Routes in the first cell of each row of the README's REST table: `GET /x`, `GET/POST /x`, several per cell. */
export function documentedRoutes(restSection: string): Set<string> {
  const routes = new Set<string>();
  for (const line of restSection.split('\n')) {
    if (!line.startsWith('| `')) continue;
    const firstCell = line.slice(1).split(/(?<!\\)\|/)[0];
    for (const [, span] of firstCell.matchAll(/`([^`]+)`/g)) {
      const m = /^([A-Z]+(?:\/[A-Z]+)*) (\/\S*)$/.exec(span.trim());
      if (!m) continue;
      for (const method of m[1].split('/')) if (HTTP_METHODS.has(method)) routes.add(normaliseRoute(method, m[2]));
    }
  }
  return routes;
}

/**
 * Routes the controllers declare: `@Controller('prefix')` and each `@Get('sub')`, `@Post()`…
 * A decorator argument that is not a string literal must be resolved by `expressions`
 * (the test passes the contracts' constants), else this throws naming it.
 */
export function codeRoutes(controllers: Array<{ file: string; text: string }>, expressions: Record<string, string> = {}): Set<string> {
  const routes = new Set<string>();
  const argument = (raw: string | undefined, file: string): string => {
    const arg = (raw ?? '').trim();
    if (arg === '') return '';
    const literal = /^'([^']*)'$/.exec(arg);
    if (literal) return literal[1];
    if (arg in expressions) return expressions[arg];
    throw new Error(`${file}: route decorator argument ${arg} is not a string literal; resolve it in the docs check`);
  };
  for (const { file, text } of controllers) {
    const controller = decoratorCalls(text, ['Controller'])[0];
    if (!controller) continue;
    const prefix = argument(controller.args, file);
    for (const call of decoratorCalls(text, ['Get', 'Post', 'Put', 'Patch', 'Delete'])) {
      routes.add(normaliseRoute(call.name, `${prefix}/${argument(call.args, file)}`));
    }
  }
  return routes;
}

/** `@Name(args)` occurrences with their argument text (parentheses balanced). */
function decoratorCalls(text: string, names: string[]): Array<{ name: string; args: string }> {
  const calls: Array<{ name: string; args: string }> = [];
  for (const m of text.matchAll(new RegExp(`@(${names.join('|')})\\(`, 'g'))) {
    let depth = 1;
    let i = m.index! + m[0].length;
    const start = i;
    for (; i < text.length && depth > 0; i++) {
      if (text[i] === '(') depth++;
      else if (text[i] === ')') depth--;
    }
    calls.push({ name: m[1], args: text.slice(start, i - 1) });
  }
  return calls;
}

/** Queue names the contracts declare: `export const X_QUEUE = 'crosscast-…'`. */
export function codeQueues(contractSources: string[]): Set<string> {
  const queues = new Set<string>();
  for (const text of contractSources) for (const m of text.matchAll(/export const [A-Z_]+_QUEUE = '([^']+)'/g)) queues.add(m[1]);
  return queues;
}

/** Spec files the docs name (`x.int-spec.ts`, `y.e2e-spec`, `z.fault-spec.ts`…), as bare file names with `.ts`. */
export function documentedSpecs(markdown: string): Set<string> {
  const specs = new Set<string>();
  for (const m of markdown.matchAll(/([a-z0-9-]+\.(?:int|e2e|fault|fuzz)-spec)(?:\.ts)?/g)) specs.add(`${m[1]}.ts`);
  return specs;
}

/** Every file under `dir` (recursively) whose name matches. */
export function filesUnder(dir: string, pattern: RegExp): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && entry.name !== 'dist') out.push(...filesUnder(full, pattern));
    } else if (pattern.test(entry.name)) out.push(full);
  }
  return out;
}

/** What is in one set and not the other, both ways, sorted (for readable failures). */
export function difference(documented: Set<string>, actual: Set<string>): { undocumented: string[]; missingInCode: string[] } {
  return {
    undocumented: [...actual].filter((x) => !documented.has(x)).sort(),
    missingInCode: [...documented].filter((x) => !actual.has(x)).sort(),
  };
}
