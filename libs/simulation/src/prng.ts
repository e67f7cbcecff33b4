/**
 * Seeded pseudo-random numbers (mulberry32) with the state in a Uint32Array slot, so one
 * array holds an independent stream per entry link without an object per stream.
 */
export function seedStream(seed: number, stream: number): number {
  // splitmix-style scramble: nearby (seed, stream) pairs give unrelated states.
  let z = (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(stream + 1, 0x85ebca6b)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x7feb352d) >>> 0;
  z = Math.imul(z ^ (z >>> 15), 0x846ca68b) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

/** Uniform in [0, 1), advancing state[i]. */
export function nextUniform(state: Uint32Array, i: number): number {
  const a = (state[i] + 0x6d2b79f5) >>> 0;
  state[i] = a;
  let t = a;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

/** Exponential with mean 1. */
export function nextExponential(state: Uint32Array, i: number): number {
  return -Math.log(1 - nextUniform(state, i));
}
