import * as fs from 'node:fs';
import * as path from 'node:path';
import { fusionOpenApiDocument } from '../apps/fusion/src/openapi/offline-document';
import { apiTypesSource } from './api-types';

/**
 * `npm run api:generate`: writes the dashboard's REST client types
 * (apps/dashboard/src/api/generated.ts) from the fusion service's OpenAPI document, built
 * from the controllers and DTOs without a database (apps/fusion/src/openapi).
 */
const ROOT = path.resolve(__dirname, __dirname.includes(`${path.sep}dist${path.sep}`) ? '../..' : '..');
export const GENERATED_FILE = path.join(ROOT, 'apps/dashboard/src/api/generated.ts');

async function main(): Promise<void> {
  const source = apiTypesSource(await fusionOpenApiDocument());
  const before = fs.existsSync(GENERATED_FILE) ? fs.readFileSync(GENERATED_FILE, 'utf8') : null;
  fs.writeFileSync(GENERATED_FILE, source);
  console.log(`${path.relative(ROOT, GENERATED_FILE)}: ${before === source ? 'unchanged' : 'written'} (${source.split('\n').length} lines)`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
