import * as fs from 'node:fs';
import * as path from 'node:path';
import { replaceMarkedSection } from './marked-section';

/**
 * The security table in RELIABILITY.md is filled by the tests that attack the running
 * service (issue 11): each records what it tried, what should happen and what it saw, only
 * after its assertions passed. Results live in test/security-results.json; the table between
 * the markers is re-rendered from it, so the committed table is what the last run observed.
 */
export interface SecurityCheck {
  /** Issue 11's finding number (1–8), the table's sort key. */
  finding: number;
  attack: string;
  expected: string;
  observed: string;
  /** The spec file and test that proves it. */
  test: string;
}

const ROOT = path.resolve(__dirname, '..', '..');
const RESULTS_FILE = path.join(ROOT, 'test', 'security-results.json');
const RELIABILITY_FILE = path.join(ROOT, 'RELIABILITY.md');
const TABLE_START = '<!-- security-results:start -->';
const TABLE_END = '<!-- security-results:end -->';

export function recordSecurityCheck(check: SecurityCheck): void {
  const all: Array<SecurityCheck & { measuredAt?: string }> = fs.existsSync(RESULTS_FILE) ? JSON.parse(fs.readFileSync(RESULTS_FILE, 'utf8')) : [];
  const merged = [...all.filter((c) => c.attack !== check.attack), { ...check, measuredAt: new Date().toISOString().slice(0, 10) }];
  merged.sort((a, b) => a.finding - b.finding || a.attack.localeCompare(b.attack));
  fs.writeFileSync(RESULTS_FILE, JSON.stringify(merged, null, 2) + '\n');
  const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\s+/g, ' ').trim();
  const table = [
    '| # | attack | expected | observed | test | measured |',
    '|---:|---|---|---|---|---|',
    ...merged.map((c) => `| ${c.finding} | ${cell(c.attack)} | ${cell(c.expected)} | ${cell(c.observed)} | ${cell(c.test)} | ${c.measuredAt} |`),
  ].join('\n');
  replaceMarkedSection(RELIABILITY_FILE, TABLE_START, TABLE_END, table);
}
