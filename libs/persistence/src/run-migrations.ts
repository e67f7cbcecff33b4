import { DataSource } from 'typeorm';
import { DEFAULT_DATABASE_URL, dataSourceOptions, ensureDatabaseExists, runMigrationsLocked } from './data-source';

/** `npm run migration:run`: the explicit migration step. */
async function main(): Promise<void> {
  const url = process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL;
  if (await ensureDatabaseExists(url)) console.log('created database');
  const dataSource = new DataSource(dataSourceOptions(url));
  await dataSource.initialize();
  const applied = await runMigrationsLocked(dataSource);
  console.log(applied.length ? `applied: ${applied.join(', ')}` : 'schema is up to date');
  await dataSource.destroy();
}

main().catch((error) => {
  console.error(`migration failed: ${(error as Error).message}`);
  process.exit(1);
});
