import { Inject, Injectable } from '@nestjs/common';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ResidualEnsembleState } from '@crosscast/forecasting';
import { EDGE_CONFIG, EdgeWorkerConfig } from '../config';
import { readJson, writeAtomic } from './local-files';
import { PersistedCrossingState } from '../crossing-worker';

/**
 * The worker's local disk: `<DATA_DIR>/<crossing>/state.json` (history, sequence numbers,
 * detector cursor) and `model-v<N>.json` (versioned models). Writes are atomic (temp file
 * then rename), so a kill mid-write leaves the previous file intact.
 */
@Injectable()
export class StateStoreRepository {
  /** One write at a time per crossing, in call order (training, batches and shutdown all save). */
  private readonly writes = new Map<string, Promise<unknown>>();

  constructor(@Inject(EDGE_CONFIG) private readonly config: EdgeWorkerConfig) {}

  private serialised(crossingId: string, write: () => Promise<void>): Promise<void> {
    const previous = this.writes.get(crossingId) ?? Promise.resolve();
    const next = previous.then(write, write);
    this.writes.set(crossingId, next.catch(() => undefined));
    return next;
  }

  async loadState(crossingId: string): Promise<{ state: PersistedCrossingState; model: ResidualEnsembleState | null } | null> {
    const state = await readJson<PersistedCrossingState>(path.join(this.dir(crossingId), 'state.json'));
    if (!state) return null;
    const model = state.modelVersion > 0 ? await readJson<ResidualEnsembleState>(path.join(this.dir(crossingId), `model-v${state.modelVersion}.json`)) : null;
    return { state, model };
  }

  saveState(state: PersistedCrossingState): Promise<void> {
    const text = JSON.stringify(state);
    return this.serialised(state.crossingId, () => writeAtomic(path.join(this.dir(state.crossingId), 'state.json'), text));
  }

  saveModel(crossingId: string, version: number, model: ResidualEnsembleState): Promise<void> {
    return this.serialised(crossingId, () => this.writeModel(crossingId, version, model));
  }

  private async writeModel(crossingId: string, version: number, model: ResidualEnsembleState): Promise<void> {
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
