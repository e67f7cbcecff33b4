import * as fs from 'node:fs';
import { deriveSimulatorLinkKey, deriveWorkerKey } from '@crosscast/contracts';
import { ConfigError, NODE_ENVS } from './env';

/**
 * Where each crossing's signing key comes from: a keys file (`npm run keys:generate`
 * writes one: {"keys": {"<crossingId>": "<base64, 32 bytes>"}}) or, for local
 * development and tests, keys derived from a seed. A worker is given only its own
 * crossings' keys; the fusion service holds them all.
 */
export interface WorkerKeys {
  keyFor(crossingId: string): Buffer | null;
  /** For logs: where the keys came from, never the keys. */
  source: string;
}

/** Injection token for the loaded WorkerKeys (loaded once at start-up, by main). */
export const WORKER_KEYS = Symbol('WORKER_KEYS');

/** Development keys kept once derived (more than any city's crossings). */
const DERIVED_KEYS_KEPT = 100_000;

export function loadWorkerKeys(file: string | undefined, seed: string): WorkerKeys {
  if (!file) {
    // Derived once per crossing (an HMAC each time showed in fusion's profile under a flood);
    // bounded, since a caller may ask for ids that are no crossing.
    const derived = new Map<string, Buffer>();
    const keyFor = (crossingId: string) => {
      let key = derived.get(crossingId);
      if (!key) {
        if (derived.size >= DERIVED_KEYS_KEPT) derived.clear();
        key = deriveWorkerKey(seed, crossingId);
        derived.set(crossingId, key);
      }
      return key;
    };
    return { keyFor, source: 'derived from WORKER_KEY_SEED (development only)' };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`WORKER_KEYS_FILE ${file}: ${(error as Error).message}`);
  }
  const keys = (parsed as { keys?: unknown })?.keys;
  if (!keys || typeof keys !== 'object') throw new Error(`WORKER_KEYS_FILE ${file}: expected {"keys": {"<crossingId>": "<base64 key>"}}`);
  const table = new Map<string, Buffer>();
  for (const [crossingId, value] of Object.entries(keys as Record<string, unknown>)) {
    const key = typeof value === 'string' ? Buffer.from(value, 'base64') : Buffer.alloc(0);
    if (key.length < 32) throw new Error(`WORKER_KEYS_FILE ${file}: the key of crossing ${crossingId} must be at least 32 bytes, base64`);
    table.set(crossingId, key);
  }
  return { keyFor: (crossingId) => table.get(crossingId) ?? null, source: `${file} (${table.size} crossings)` };
}

/**
 * With NODE_ENV=production a service must be given real keys: the development seed is in
 * the source code, so keys derived from it would let anyone sign as any crossing.
 */
export function requireRealKeysInProduction(appName: string, env: NodeJS.ProcessEnv, keysFile: string | undefined): void {
  if (env.NODE_ENV !== undefined && !(NODE_ENVS as readonly string[]).includes(env.NODE_ENV)) {
    throw new ConfigError(
      `${appName}: invalid configuration\n  NODE_ENV: must be exactly one of ${NODE_ENVS.join(', ')} (lower case, no spaces); it is ${JSON.stringify(env.NODE_ENV)}`,
    );
  }
  if (env.NODE_ENV === 'production' && !keysFile) {
    throw new ConfigError(
      `${appName}: invalid configuration\n  WORKER_KEYS_FILE: required when NODE_ENV=production (the development key seed is not a secret); create keys with npm run keys:generate`,
    );
  }
}

/** Injection token for the simulator link key (fusion side). */
export const SIMULATOR_LINK_KEY = Symbol('SIMULATOR_LINK_KEY');

/**
 * The key fusion and the simulator sign the street link with: from SIMULATOR_KEY_FILE
 * ({"key": "<base64, 32 bytes>"}, npm run keys:generate writes it) or, in development,
 * derived from the worker key seed. Production refuses to start without the file
 * (requireSimulatorKeyInProduction).
 */
export function loadSimulatorLinkKey(file: string | undefined, seed: string): Buffer {
  if (!file) return deriveSimulatorLinkKey(seed);
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`SIMULATOR_KEY_FILE ${file}: ${(error as Error).message}`);
  }
  const value = (parsed as { key?: unknown })?.key;
  const key = typeof value === 'string' ? Buffer.from(value, 'base64') : Buffer.alloc(0);
  if (key.length < 32) throw new Error(`SIMULATOR_KEY_FILE ${file}: expected {"key": "<base64, at least 32 bytes>"}`);
  return key;
}

export function requireSimulatorKeyInProduction(appName: string, env: NodeJS.ProcessEnv, keyFile: string | undefined): void {
  if (env.NODE_ENV === 'production' && !keyFile) {
    throw new ConfigError(
      `${appName}: invalid configuration\n  SIMULATOR_KEY_FILE: required when NODE_ENV=production (timing plans and simulation reports are signed with it); create it with npm run keys:generate`,
    );
  }
}
