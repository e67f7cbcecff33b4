import { z } from 'zod/v4';

/**
 * An app's environment variables as its zod shape declares them (name → default, as the
 * text a README shows; undefined when the variable has no default) against the
 * `## Configuration` table of its README. Pure, so a spec can show a drift is caught.
 */
export function envDefaults(shape: Record<string, z.ZodType>): Map<string, string | undefined> {
  const out = new Map<string, string | undefined>();
  for (const [name, schema] of Object.entries(shape)) out.set(name, defaultOf(schema));
  return out;
}

/** The default of a variable's schema before any transform (what one would write in the environment). */
function defaultOf(schema: z.ZodType): string | undefined {
  let current: z.ZodType = schema;
  for (;;) {
    if (current instanceof z.ZodDefault) return String(current.def.defaultValue);
    // A transform is a pipe from the schema read to the transform (a preprocess: the other way round).
    if (current instanceof z.ZodPipe) current = (current.def.in instanceof z.ZodTransform ? current.def.out : current.def.in) as z.ZodType;
    else return undefined;
  }
}

/**
 * Rows of a README's configuration table: `` | `NAME` | `default` | meaning | ``, with `—`
 * for no default and `(empty)` for the empty string.
 */
export function documentedEnv(section: string): Map<string, string | undefined> {
  const out = new Map<string, string | undefined>();
  for (const line of section.split('\n')) {
    const cells = line.split(/(?<!\\)\|/).map((c) => c.trim());
    const name = /^`([A-Z][A-Z0-9_]*)`$/.exec(cells[1] ?? '')?.[1];
    if (!name) continue;
    const cell = cells[2] ?? '';
    const literal = /^`([^`]*)`$/.exec(cell);
    out.set(name, cell === '—' ? undefined : cell === '(empty)' ? '' : literal ? literal[1] : `unparsed: ${cell}`);
  }
  return out;
}

/** Variables missing from the docs, documented but unknown, and documented with another default. */
export function envDrift(declared: Map<string, string | undefined>, documented: Map<string, string | undefined>): { undocumented: string[]; unknown: string[]; wrongDefault: string[] } {
  return {
    undocumented: [...declared.keys()].filter((n) => !documented.has(n)).sort(),
    unknown: [...documented.keys()].filter((n) => !declared.has(n)).sort(),
    wrongDefault: [...declared.entries()]
      .filter(([n, d]) => documented.has(n) && documented.get(n) !== d)
      .map(([n, d]) => `${n}: code ${d === undefined ? '—' : JSON.stringify(d)}, README ${documented.get(n) === undefined ? '—' : JSON.stringify(documented.get(n))}`)
      .sort(),
  };
}
