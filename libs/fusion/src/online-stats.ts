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
    const width = dim + 1;
    const m = augmentedScratch(dim);
    for (let i = 0; i < dim; i++) {
      for (let j = 0; j < dim; j++) m[i * width + j] = xx[i * dim + j] + (i === j ? ridge : 0);
      m[i * width + dim] = xy[i] + ridge * prior[i];
    }
    return eliminate(m, dim) ?? [...prior];
  }
}

/**
 * One augmented matrix reused by every solve: the city step solves a few small systems per
 * crossing and horizon (tens of thousands per step at city scale), and allocating their
 * rows was a large share of the step's garbage.
 */
let scratch = new Float64Array(16);
function augmentedScratch(n: number): Float64Array {
  if (scratch.length < n * (n + 1)) scratch = new Float64Array(n * (n + 1));
  return scratch;
}

/** Gaussian elimination with partial pivoting; null when singular. */
export function solveLinear(a: number[][], b: number[]): number[] | null {
  const n = b.length;
  const m = augmentedScratch(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) m[i * (n + 1) + j] = a[i][j];
    m[i * (n + 1) + n] = b[i];
  }
  return eliminate(m, n);
}

/**
 * Solves the n x (n + 1) augmented system in `m` (row-major) in place, Gauss-Jordan with
 * partial pivoting (the same operations, in the same order, as on an array of rows).
 */
function eliminate(m: Float64Array, n: number): number[] | null {
  const width = n + 1;
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r * width + col]) > Math.abs(m[pivot * width + col])) pivot = r;
    if (Math.abs(m[pivot * width + col]) < 1e-12) return null;
    if (pivot !== col) {
      for (let c = 0; c < width; c++) {
        const t = m[col * width + c];
        m[col * width + c] = m[pivot * width + c];
        m[pivot * width + c] = t;
      }
    }
    const diagonal = m[col * width + col];
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = m[r * width + col] / diagonal;
      for (let c = col; c <= n; c++) m[r * width + c] -= f * m[col * width + c];
    }
  }
  const solution = new Array<number>(n);
  for (let i = 0; i < n; i++) solution[i] = m[i * width + n] / m[i * width + i];
  return solution;
}
