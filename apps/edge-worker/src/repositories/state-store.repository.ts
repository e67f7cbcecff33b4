import { Inject, Injectable } from '@nestjs/common';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { SerializedDenseModel } from '@crosscast/forecasting';
import { EDGE_CONFIG, EdgeWorkerConfig } from '../config';
import { PersistedCrossingState } from '../crossing-worker';

/**
 * The worker's local disk: `<DATA_DIR>/<crossing>/state.json` (history, sequence numbers,
 * detector cursor) and `model-v<N>.json` (versioned models). Writes are atomic (temp file
 * then rename), so a kill mid-write leaves the previous file intact.
 */
@Injectable()
export class StateStoreRepository {
  constructor(@Inject(EDGE_CONFIG) private readonly config: EdgeWorkerConfig) {}

  async loadState(crossingId: string): Promise<{ state: PersistedCrossingState; model: SerializedDenseModel | null } | null> {
    const state = await readJson<PersistedCrossingState>(path.join(this.dir(crossingId), 'state.json'));
    if (!state) return null;
    const model = state.modelVersion > 0 ? await readJson<SerializedDenseModel>(path.join(this.dir(crossingId), `model-v${state.modelVersion}.json`)) : null;
    return { state, model };
  }

  async saveState(state: PersistedCrossingState): Promise<void> {
    await writeAtomic(path.join(this.dir(state.crossingId), 'state.json'), JSON.stringify(state));
  }

  async saveModel(crossingId: string, version: number, model: SerializedDenseModel): Promise<void> {
    const dir = this.dir(crossingId);
    await writeAtomic(path.join(dir, `model-v${version}.json`), JSON.stringify(model));
    // Keep the newest three versions.
    const files = (await fs.readdir(dir)).filter((f) => /^model-v\d+\.json$/.test(f));
    for (const file of files) {
      const v = Number(file.slice(7, -5));
      if (v <= version - 3) await fs.rm(path.join(dir, file), { force: true });
    }
  }

  private dir(crossingId: string): string {
    return path.resolve(this.config.DATA_DIR, crossingId);
  }
}

async function readJson<T>(file: string): Promise<T | null> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new Error(`${file}: ${(error as Error).message}`);
  }
}

async function writeAtomic(file: string, text: string): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(temp, text);
  await fs.rename(temp, file);
}
