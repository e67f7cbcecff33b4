/**
 * Small online learners with bounded memory and plain-JSON state: a ring buffer of
 * residuals with cached conformal quantiles, and exponentially forgotten least squares.
 */

/**
 * Split-conformal quantile of absolute residuals: the ceil((n+1)q)-th smallest, which
 * covers at least q of exchangeable future residuals.
 */
export function conformalQuantile(sortedAbs: ArrayLike<number>, q: number): number {
  const n = sortedAbs.length;
  if (n === 0) return NaN;
  const rank = Math.min(n, Math.max(1, Math.ceil((n + 1) * q)));
  return sortedAbs[rank - 1];
}

export interface ResidualBufferState {
  capacity: number;
  values: number[];
  next: number;
  added: number;
  cache: { q80: number; q95: number; atCount: number } | null;
}

/** The newest `capacity` residuals (absolute, normalised), with their 80/95 % quantiles. */
export class ResidualBuffer {
  constructor(
    readonly capacity: number,
    private readonly values: number[] = [],
    private next = 0,
    private added = 0,
    private cache: { q80: number; q95: number; atCount: number } | null = null,
    /** Quantiles are recomputed after this many new residuals, not on every read. */
    private readonly refreshEvery = 8,
  ) {}

  static fromJSON(s: ResidualBufferState): ResidualBuffer {
    return new ResidualBuffer(s.capacity, [...s.values], s.next, s.added, s.cache ? { ...s.cache } : null);
  }

  toJSON(): ResidualBufferState {
    return { capacity: this.capacity, values: [...this.values], next: this.next, added: this.added, cache: this.cache ? { ...this.cache } : null };
  }

  get size(): number {
    return this.values.length;
  }

  push(absResidual: number): void {
    if (!Number.isFinite(absResidual)) return;
    if (this.values.length < this.capacity) this.values.push(absResidual);
    else this.values[this.next] = absResidual;
    this.next = (this.next + 1) % this.capacity;
    this.added++;
  }

  quantiles(): { q80: number; q95: number } {
    if (this.cacheIsStale()) this.cache = { ...this.computeQuantiles(), atCount: this.added };
    return { q80: this.cache!.q80, q95: this.cache!.q95 };
  }

  /**
   * What `quantiles()` would return, without refreshing the cache: a read that must not
   * change when the next refresh happens (and so the answers after it).
   */
  peekQuantiles(): { q80: number; q95: number } {
    return this.cacheIsStale() ? this.computeQuantiles() : { q80: this.cache!.q80, q95: this.cache!.q95 };
  }

  private cacheIsStale(): boolean {
    return !this.cache || this.added - this.cache.atCount >= this.refreshEvery || this.cache.atCount > this.added;
  }

  private computeQuantiles(): { q80: number; q95: number } {
    const sorted = Float64Array.from(this.values).sort();
    return { q80: conformalQuantile(sorted, 0.8), q95: conformalQuantile(sorted, 0.95) };
  }
}

export interface ForgettingLeastSquaresState {
  dim: number;
  forgetting: number;
  /** Row-major dim x dim: the forgotten sum of x x'. */
  xx: number[];
  /** The forgotten sum of x y. */
  xy: number[];
  /** The forgotten number of samples. */
  n: number;
}

/**
 * Least squares with exponential forgetting (old samples weigh forgetting^age), solved as
 * a ridge regression pulled towards a prior coefficient vector:
 *   theta = (X'X + k I)^-1 (X'y + k prior)
 * so a learner with few samples stays near its prior (a pooled fit, or "no change").
 */
export class ForgettingLeastSquares {
  constructor(private readonly s: ForgettingLeastSquaresState) {}

  static create(dim: number, forgetting: number): ForgettingLeastSquares {
    return new ForgettingLeastSquares({ dim, forgetting, xx: new Array(dim * dim).fill(0), xy: new Array(dim).fill(0), n: 0 });
  }

  static fromJSON(s: ForgettingLeastSquaresState): ForgettingLeastSquares {
    return new ForgettingLeastSquares({ ...s, xx: [...s.xx], xy: [...s.xy] });
  }

  toJSON(): ForgettingLeastSquaresState {
    return { dim: this.s.dim, forgetting: this.s.forgetting, xx: [...this.s.xx], xy: [...this.s.xy], n: this.s.n };
  }

  get samples(): number {
    return this.s.n;
  }

  update(x: number[], y: number): void {
    const { dim, forgetting, xx, xy } = this.s;
    for (let i = 0; i < dim * dim; i++) xx[i] *= forgetting;
    for (let i = 0; i < dim; i++) xy[i] *= forgetting;
    for (let i = 0; i < dim; i++) {
      xy[i] += x[i] * y;
      for (let j = 0; j < dim; j++) xx[i * dim + j] += x[i] * x[j];
    }
    this.s.n = this.s.n * forgetting + 1;
  }

  solve(prior: number[], ridge: number): number[] {
    const { dim, xx, xy } = this.s;
    const a = Array.from({ length: dim }, (_, i) => Array.from({ length: dim }, (_, j) => xx[i * dim + j] + (i === j ? ridge : 0)));
    const b = xy.map((v, i) => v + ridge * prior[i]);
    return solveLinear(a, b) ?? [...prior];
  }
}

/** Gaussian elimination with partial pivoting; null when singular. */
export function solveLinear(a: number[][], b: number[]): number[] | null {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r][col]) > Math.abs(m[pivot][col])) pivot = r;
    if (Math.abs(m[pivot][col]) < 1e-12) return null;
    [m[col], m[pivot]] = [m[pivot], m[col]];
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = m[r][col] / m[col][col];
      for (let c = col; c <= n; c++) m[r][c] -= f * m[col][c];
    }
  }
  return m.map((row, i) => row[n] / row[i]);
}
