import * as fs from 'node:fs';
import * as path from 'node:path';
import { EDGE_WORKER_ENV } from '../../apps/edge-worker/src/config';
import { FUSION_ENV } from '../../apps/fusion/src/config';
import { SIMULATOR_ENV } from '../../apps/simulator/src/config';
import { section } from '../support/docs-truth';
import { documentedEnv, envDefaults, envDrift } from '../support/env-docs';

/**
 * Each app's README (apps/<app>/README.md) lists exactly the environment variables its
 * config.ts declares, with the same defaults, and its links to other docs lead somewhere.
 */
const ROOT = path.resolve(__dirname, '../..');
const APPS = { fusion: FUSION_ENV, 'edge-worker': EDGE_WORKER_ENV, simulator: SIMULATOR_ENV };
const readme = (app: string) => fs.readFileSync(path.join(ROOT, 'apps', app, 'README.md'), 'utf8');

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens. */
const anchorOf = (heading: string) =>
  heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .trim()
    .replace(/\s/g, '-');

describe('app READMEs', () => {
  it.each(Object.entries(APPS))('apps/%s/README.md documents every variable of its config with its default', (app, shape) => {
    const declared = envDefaults(shape);
    expect(declared.size).toBeGreaterThan(20);
    expect(envDrift(declared, documentedEnv(section(readme(app), '## Configuration')))).toEqual({ undocumented: [], unknown: [], wrongDefault: [] });
  });

  it.each(['fusion', 'edge-worker', 'simulator', 'dashboard'])('apps/%s/README.md links to files and headings that exist', (app) => {
    const dir = path.join(ROOT, 'apps', app);
    const broken: string[] = [];
    for (const [, target] of readme(app).matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/.test(target)) continue;
      const [file, anchor] = target.split('#');
      const full = path.resolve(dir, file || 'README.md');
      if (!fs.existsSync(full)) broken.push(target);
      else if (anchor && !fs.readFileSync(full, 'utf8').split('\n').some((l) => /^#+ /.test(l) && anchorOf(l.replace(/^#+ /, '')) === anchor)) broken.push(target);
    }
    expect(broken).toEqual([]);
  });

  it('fails when a variable is added to a config, a row removed, or a default changed', () => {
    const fusionDocs = section(readme('fusion'), '## Configuration');
    // A new variable in the schema that nobody documented.
    const added = envDefaults({ ...FUSION_ENV, NEW_KNOB: FUSION_ENV.PORT });
    expect(envDrift(added, documentedEnv(fusionDocs)).undocumented).toEqual(['NEW_KNOB']);
    // The README loses a row: the variable is undocumented.
    const withoutRow = fusionDocs.split('\n').filter((l) => !l.startsWith('| `TOKEN_TTL`')).join('\n');
    expect(envDrift(envDefaults(FUSION_ENV), documentedEnv(withoutRow)).undocumented).toEqual(['TOKEN_TTL']);
    // The README states another default.
    const wrongDefault = fusionDocs.replace('| `PORT` | `3000` |', '| `PORT` | `8080` |');
    expect(envDrift(envDefaults(FUSION_ENV), documentedEnv(wrongDefault)).wrongDefault).toEqual(['PORT: code "3000", README "8080"']);
    // A variable that is documented but no longer read.
    const { HEARTBEAT_SECONDS: _removed, ...withoutHeartbeat } = EDGE_WORKER_ENV;
    expect(envDrift(envDefaults(withoutHeartbeat), documentedEnv(section(readme('edge-worker'), '## Configuration'))).unknown).toEqual(['HEARTBEAT_SECONDS']);
  });
});
