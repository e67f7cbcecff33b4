import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/** The edge box's local disk: files that must survive a kill or a power cut half-way. */

/** Reads a JSON file; null when it does not exist, an error naming the file otherwise. */
export async function readJson<T>(file: string): Promise<T | null> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new Error(`${file}: ${(error as Error).message}`);
  }
}

let tempCounter = 0;

/** Write to a unique temp file, flush it to the disk, then rename over the old file. */
export async function writeAtomic(file: string, text: string): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.${tempCounter++}.tmp`;
  const handle = await fs.open(temp, 'w');
  try {
    await handle.writeFile(text);
    // Edge boxes lose power: without a sync the rename can land before the data does.
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.rename(temp, file);
}
