import { deriveWorkerKey } from '@crosscast/contracts';
import { loadWorkerKeys } from './worker-keys';

describe('loadWorkerKeys without a keys file (development)', () => {
  it('gives each crossing the key derived from the seed, derived once', () => {
    const keys = loadWorkerKeys(undefined, 'seed-for-spec');
    const first = keys.keyFor('0970');
    expect(first?.equals(deriveWorkerKey('seed-for-spec', '0970'))).toBe(true);
    expect(keys.keyFor('0970')).toBe(first);
    expect(keys.keyFor('0971')?.equals(deriveWorkerKey('seed-for-spec', '0971'))).toBe(true);
    expect(keys.keyFor('0971')?.equals(first!)).toBe(false);
  });
});
