import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CityDefinitionSchema, type CityDefinition } from '@crosscast/contracts';

/** How many validation issues an error message lists before "and N more". */
const MAX_ISSUES_IN_MESSAGE = 5;

/**
 * Reads `<dir>/crossings.json` and validates it against `CityDefinitionSchema`.
 * Throws an Error naming the file and the first issues if it cannot be read, is not
 * JSON, does not match the schema, or repeats a crossing or approach id.
 */
export function loadCityDefinition(dir: string): CityDefinition {
  const file = join(dir, 'crossings.json');

  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`${file}: cannot read the city definition (${describeError(err)})`);
  }

  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file}: not valid JSON (${describeError(err)})`);
  }

  const parsed = CityDefinitionSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`);
    throw new Error(`${file}: invalid city definition: ${summarise(issues)}`);
  }

  const city = parsed.data;
  const problems: string[] = [];
  const crossingIds = new Set<string>();
  const approachIds = new Set<string>();
  city.crossings.forEach((crossing, i) => {
    if (crossingIds.has(crossing.id)) problems.push(`crossings.${i}.id: duplicate crossing id '${crossing.id}'`);
    crossingIds.add(crossing.id);
    crossing.approaches.forEach((approach, j) => {
      if (approachIds.has(approach.id)) {
        problems.push(`crossings.${i}.approaches.${j}.id: duplicate approach id '${approach.id}'`);
      }
      approachIds.add(approach.id);
    });
  });
  if (problems.length) throw new Error(`${file}: invalid city definition: ${summarise(problems)}`);

  return city;
}

function summarise(issues: string[]): string {
  const shown = issues.slice(0, MAX_ISSUES_IN_MESSAGE).join('; ');
  const rest = issues.length - MAX_ISSUES_IN_MESSAGE;
  return rest > 0 ? `${shown}; and ${rest} more` : shown;
}

function describeError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
