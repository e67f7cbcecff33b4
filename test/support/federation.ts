import { FEDERATED_FORMAT, FederatedArchitecture, FederatedSnapshot, federatedArchitecture, intervalsPerDay } from '@crosscast/forecasting';

/** The architecture of the workers' default model (15-minute intervals, 4 horizons, 8 lags). */
export const DEFAULT_ARCHITECTURE: FederatedArchitecture = federatedArchitecture(15, { horizons: 4, lags: 8 });

/**
 * A snapshot a worker could have exported, made without training (for specs about the
 * links, not the maths): the architecture's tensor shapes, small weights from `seed`, an
 * even member mix, interval widths and a week shape of mean 1. snapshotProblems() finds
 * nothing wrong with it.
 */
export function syntheticSnapshot(seed: number, samples = 500, architecture: FederatedArchitecture = DEFAULT_ARCHITECTURE): FederatedSnapshot {
  let state = seed;
  const next = () => ((state = (state * 48271) % 2147483647) / 2147483647 - 0.5) / 5;
  const members = architecture.members.map((m) => {
    const sizes = [architecture.inputSize, ...m.hidden, architecture.horizons];
    const tensors = [];
    for (let i = 0; i + 1 < sizes.length; i++) {
      tensors.push({ shape: [sizes[i], sizes[i + 1]], values: Array.from({ length: sizes[i] * sizes[i + 1] }, next) });
      tensors.push({ shape: [sizes[i + 1]], values: Array.from({ length: sizes[i + 1] }, next) });
    }
    return { name: m.name, tensors };
  });
  const H = architecture.horizons;
  const share = 1 / (architecture.members.length + 1);
  const day = intervalsPerDay(architecture.intervalMinutes);
  const raw = Array.from({ length: 7 * day }, (_, s) => 1 + 0.5 * Math.sin((2 * Math.PI * (s % day)) / day) + 0.01 * (seed % 7));
  const mean = raw.reduce((a, b) => a + b, 0) / raw.length;
  return {
    format: FEDERATED_FORMAT,
    architecture,
    samples,
    contributors: 1,
    members,
    combination: Array.from({ length: H }, () => Array.from({ length: architecture.members.length + 1 }, () => share)),
    calibration: {
      q80: Array.from({ length: H }, (_, h) => 1 + h / 10),
      q95: Array.from({ length: H }, (_, h) => 1.6 + h / 10),
      q80Total: Array.from({ length: H }, (_, h) => 1.2 + h / 10),
      q95Total: Array.from({ length: H }, (_, h) => 1.9 + h / 10),
    },
    weekShape: raw.map((x) => Number((x / mean).toFixed(3))),
  };
}
