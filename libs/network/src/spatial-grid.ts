/**
 * Grid buckets over lat/lon for nearest-point searches, so building the neighbour graph
 * looks at the crossings around a crossing instead of the whole city.
 *
 * Cells are `cellM` metres or more on each side everywhere in the data set (longitude
 * cells are sized at the highest latitude present, where degrees of longitude are
 * shortest). Searches visit rings of cells outwards; a point in ring r + 1 or beyond is at
 * least r cells away along latitude or longitude, so at least `ringLowerBoundM(r + 1)`
 * metres (with a 1 % margin for the sphere), which is what lets a search stop early and
 * still return exactly what a full scan would.
 */
export interface GridPoint {
  lat: number;
  lon: number;
}

const METRES_PER_DEGREE = 111_320;
/** Great-circle and lat/lon-box distances differ slightly: keep the stop bound conservative. */
const BOUND_MARGIN = 0.99;

export class SpatialGrid<T extends GridPoint> {
  private readonly cells = new Map<string, Array<{ point: T; index: number }>>();
  private readonly cellLat: number;
  private readonly cellLon: number;
  private readonly minRow: number;
  private readonly maxRow: number;
  private readonly minCol: number;
  private readonly maxCol: number;

  /** `points` keep their index: searches report it, so callers can break ties in input order. */
  constructor(points: readonly T[], readonly cellM: number) {
    const maxAbsLat = points.reduce((m, p) => Math.max(m, Math.abs(p.lat)), 0);
    this.cellLat = cellM / METRES_PER_DEGREE;
    this.cellLon = cellM / (METRES_PER_DEGREE * Math.max(0.01, Math.cos((Math.min(89, maxAbsLat) * Math.PI) / 180)));
    let minRow = Infinity, maxRow = -Infinity, minCol = Infinity, maxCol = -Infinity;
    points.forEach((point, index) => {
      const [row, col] = this.cellOf(point);
      minRow = Math.min(minRow, row);
      maxRow = Math.max(maxRow, row);
      minCol = Math.min(minCol, col);
      maxCol = Math.max(maxCol, col);
      const key = `${row}:${col}`;
      const list = this.cells.get(key);
      if (list) list.push({ point, index });
      else this.cells.set(key, [{ point, index }]);
    });
    [this.minRow, this.maxRow, this.minCol, this.maxCol] = [minRow, maxRow, minCol, maxCol];
  }

  /** A cell size giving about one point per cell over the points' bounding box (at least `floorM`). */
  static cellSizeFor(points: readonly GridPoint[], floorM = 50): number {
    if (points.length === 0) return floorM;
    const lats = points.map((p) => p.lat);
    const lons = points.map((p) => p.lon);
    const midLat = (Math.min(...lats) + Math.max(...lats)) / 2;
    const heightM = (Math.max(...lats) - Math.min(...lats)) * METRES_PER_DEGREE;
    const widthM = (Math.max(...lons) - Math.min(...lons)) * METRES_PER_DEGREE * Math.cos((midLat * Math.PI) / 180);
    return Math.max(floorM, Math.sqrt((Math.max(heightM, floorM) * Math.max(widthM, floorM)) / points.length));
  }

  /** No point outside rings 0..r - 1 is closer than this. */
  ringLowerBoundM(r: number): number {
    return Math.max(0, r - 1) * this.cellM * BOUND_MARGIN;
  }

  /**
   * Visits the points ring by ring around `center` (ring 0 is its own cell). After each
   * ring, `done(nextRingLowerBoundM)` decides whether to stop; the search also stops when
   * the rings have covered every cell.
   */
  searchRings(center: GridPoint, visit: (point: T, index: number) => void, done: (nextRingLowerBoundM: number) => boolean): void {
    const [row0, col0] = this.cellOf(center);
    const maxRing = Math.max(row0 - this.minRow, this.maxRow - row0, col0 - this.minCol, this.maxCol - col0, 0);
    for (let r = 0; r <= maxRing; r++) {
      for (let row = row0 - r; row <= row0 + r; row++) {
        const edgeRow = row === row0 - r || row === row0 + r;
        // Inner rows of a ring: only its left and right cells.
        const step = edgeRow ? 1 : Math.max(1, 2 * r);
        for (let col = col0 - r; col <= col0 + r; col += step) {
          for (const entry of this.cells.get(`${row}:${col}`) ?? []) visit(entry.point, entry.index);
        }
      }
      if (done(this.ringLowerBoundM(r + 1))) return;
    }
  }

  private cellOf(p: GridPoint): [number, number] {
    return [Math.floor(p.lat / this.cellLat), Math.floor(p.lon / this.cellLon)];
  }
}
