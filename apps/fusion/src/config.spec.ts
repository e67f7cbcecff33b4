import { ConfigError } from '@crosscast/runtime';
import { readFusionConfig } from './config';
import { readEdgeWorkerConfig } from '../../edge-worker/src/config';

describe('configuration', () => {
  it('works with no variables at all (local defaults)', () => {
    const config = readFusionConfig({});
    expect(config).toMatchObject({ PORT: 3000, REDIS_URL: 'redis://127.0.0.1:6379', STALE_AFTER_INTERVALS: 2 });
  });

  it('refuses development signing keys in production, for fusion and workers', () => {
    expect(() => readFusionConfig({ NODE_ENV: 'production' })).toThrow(ConfigError);
    expect(() => readFusionConfig({ NODE_ENV: 'production' })).toThrow(/WORKER_KEYS_FILE: required when NODE_ENV=production/);
    expect(readFusionConfig({ NODE_ENV: 'production', WORKER_KEYS_FILE: '/run/secrets/worker_keys' }).WORKER_KEYS_FILE).toBe('/run/secrets/worker_keys');
    expect(() => readEdgeWorkerConfig({ NODE_ENV: 'production', CROSSING_ID: '0970' })).toThrow(/WORKER_KEYS_FILE: required/);
  });

  it('names every bad variable in one message', () => {
    expect(() => readFusionConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x' })).toThrow(/PORT: [\s\S]*DATABASE_URL: must be a URL starting with postgres:/);
  });
});
