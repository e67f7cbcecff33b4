/** Small seeded PRNG (mulberry32): reproducible random inputs for tests and the benchmarks' seeded draws (one copy, in libs/forecasting). */
export { mulberry32 } from '@crosscast/forecasting';
