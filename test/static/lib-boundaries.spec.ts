import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The core stays plain: the maths libraries import no framework, no I/O and no server
 * client, and the one road network model (`@crosscast/network`) sits below everything else,
 * so the simulation engine no longer reaches into the fusion model for its roads, and the
 * engine, its importers, fusion and signal timing take their geometry from it.
 */
const ROOT = path.resolve(__dirname, '..', '..');

/** Libraries that must stay pure, and the `@crosscast/*` libraries each may use. */
const PURE_LIBS: Record<string, string[]> = {
  network: [],
  forecasting: [],
  fusion: ['network'],
  'signal-timing': ['network'],
  simulation: ['network', 'signal-timing', 'contracts'],
  'performance-measures': ['contracts', 'controller-events'],
};

/** Modules a pure library must not import: frameworks, servers, files, network, clocks of their own. */
const FORBIDDEN = [/^@nestjs\//, /^(node:)?(fs|fs\/promises|net|http|https|child_process|worker_threads)$/, /^(pg|typeorm|ioredis|bullmq|socket\.io)/];

/**
 * Libraries whose road geometry (distances, bearings, the lat/lon projection) comes from
 * `@crosscast/network`, not from their own trigonometry: the simulation engine and its
 * importers, the fusion model and signal timing.
 */
const GEOMETRY_FROM_NETWORK = ['simulation', 'fusion', 'signal-timing'];
const OWN_GEOMETRY = [/\bMath\.(atan2|hypot)\b/, /\b111_?320\b/, /\b110_?540\b/];

/** Lines of a file that do their own road geometry (what @crosscast/network is for). */
export function geometryProblems(files: Array<{ file: string; text: string }>): string[] {
  const problems: string[] = [];
  for (const { file, text } of files) {
    text.split('\n').forEach((line, i) => {
      if (/^\s*(\/\/|\*|\/\*)/.test(line)) return;
      const found = OWN_GEOMETRY.map((re) => re.exec(line)?.[0]).find(Boolean);
      if (found) problems.push(`${file}:${i + 1} computes geometry itself (${found}); use @crosscast/network`);
    });
  }
  return problems;
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [full] : [];
  });
}

/** The module specifiers a file imports (static imports, re-exports and require calls). */
export function importsOf(text: string): string[] {
  const found = new Set<string>();
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+['"]([^'"]+)['"]/g)) found.add(m[1]);
  for (const m of text.matchAll(/(?:^|\n)\s*import\s+['"]([^'"]+)['"]/g)) found.add(m[1]);
  for (const m of text.matchAll(/\brequire\(\s*['"]([^'"]+)['"]\s*\)/g)) found.add(m[1]);
  return [...found];
}

/** What is wrong with one library's imports: files importing a forbidden module or a library it may not use. */
export function boundaryProblems(lib: string, files: Array<{ file: string; text: string }>, allowed: string[]): string[] {
  const problems: string[] = [];
  for (const { file, text } of files) {
    for (const spec of importsOf(text)) {
      if (FORBIDDEN.some((re) => re.test(spec))) problems.push(`${file} imports ${spec}`);
      const lib2 = /^@crosscast\/([^/]+)/.exec(spec)?.[1];
      if (lib2 && lib2 !== lib && !allowed.includes(lib2)) problems.push(`${file} imports @crosscast/${lib2}`);
      if (spec.startsWith('.') && path.normalize(path.join(path.dirname(file), spec)).split(path.sep).filter((p) => p === '..').length > 0 && !path.normalize(path.join(path.dirname(file), spec)).startsWith(`libs/${lib}/`)) {
        problems.push(`${file} reaches outside its library with ${spec}`);
      }
    }
  }
  return problems;
}

describe('library boundaries', () => {
  for (const [lib, allowed] of Object.entries(PURE_LIBS)) {
    it(`libs/${lib} imports no framework or I/O and only ${allowed.length ? allowed.map((l) => `@crosscast/${l}`).join(', ') : 'no other @crosscast library'}`, () => {
      const files = sourceFiles(path.join(ROOT, 'libs', lib, 'src'))
        .filter((f) => !f.includes(`${path.sep}reference${path.sep}`) && !f.includes(`${path.sep}testing${path.sep}`))
        .map((f) => ({ file: path.relative(ROOT, f), text: fs.readFileSync(f, 'utf8') }));
      expect(files.length).toBeGreaterThan(0);
      expect(boundaryProblems(lib, files, allowed)).toEqual([]);
    });
  }

  for (const lib of GEOMETRY_FROM_NETWORK) {
    it(`libs/${lib} takes its road geometry from @crosscast/network (no atan2, hypot or projection constants of its own)`, () => {
      const files = sourceFiles(path.join(ROOT, 'libs', lib, 'src'))
        .filter((f) => !f.includes(`${path.sep}reference${path.sep}`) && !f.includes(`${path.sep}testing${path.sep}`))
        .map((f) => ({ file: path.relative(ROOT, f), text: fs.readFileSync(f, 'utf8') }));
      expect(geometryProblems(files)).toEqual([]);
    });
  }

  it('catches what it is there for', () => {
    expect(geometryProblems([{ file: 'libs/simulation/src/import/x.ts', text: `// Math.hypot in a comment is fine\nconst d = Math.hypot(dx, dy);\nconst kx = 111_320 * Math.cos(lat);` }])).toEqual([
      'libs/simulation/src/import/x.ts:2 computes geometry itself (Math.hypot); use @crosscast/network',
      'libs/simulation/src/import/x.ts:3 computes geometry itself (111_320); use @crosscast/network',
    ]);
    const file = 'libs/simulation/src/x.ts';
    expect(boundaryProblems('simulation', [{ file, text: `import { inferNeighbourGraph } from '@crosscast/fusion';` }], PURE_LIBS.simulation)).toEqual([`${file} imports @crosscast/fusion`]);
    expect(boundaryProblems('network', [{ file: 'libs/network/src/x.ts', text: `import * as fs from 'node:fs';\nimport { Injectable } from '@nestjs/common';` }], [])).toEqual([
      'libs/network/src/x.ts imports node:fs',
      'libs/network/src/x.ts imports @nestjs/common',
    ]);
    expect(boundaryProblems('fusion', [{ file: 'libs/fusion/src/x.ts', text: `import { Pool } from 'pg';` }], PURE_LIBS.fusion)).toEqual(['libs/fusion/src/x.ts imports pg']);
  });
});
