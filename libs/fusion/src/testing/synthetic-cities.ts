import { NeighbourCrossingInput } from '@crosscast/network';

/**
 * Synthetic crossing layouts for tests and benchmarks (plain data, no I/O): a street grid,
 * and seeded random scatters with shared road names.
 */

const METRES_PER_DEGREE = 111_320;

/**
 * rows x cols crossings `spacingM` apart: row r stands on `ROW r ST` (east-west), column c
 * on `COL c AVE` (north-south); every crossing has approaches from the four sides.
 */
export function gridCity(rows: number, cols: number, options: { spacingM?: number; lat0?: number; lon0?: number } = {}): NeighbourCrossingInput[] {
  const spacingM = options.spacingM ?? 300;
  const lat0 = options.lat0 ?? -37.8;
  const lon0 = options.lon0 ?? 145.0;
  const dLat = spacingM / METRES_PER_DEGREE;
  const dLon = spacingM / (METRES_PER_DEGREE * Math.cos((lat0 * Math.PI) / 180));
  const crossings: NeighbourCrossingInput[] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const id = `r${r}c${c}`;
      const row = `ROW ${r} ST`;
      const col = `COL ${c} AVE`;
      crossings.push({
        id,
        name: `${row} / ${col}`,
        lat: lat0 - r * dLat,
        lon: lon0 + c * dLon,
        approaches: [
          { id: `${id}:N`, direction: 'N', road: col },
          { id: `${id}:E`, direction: 'E', road: row },
          { id: `${id}:S`, direction: 'S', road: col },
          { id: `${id}:W`, direction: 'W', road: row },
        ],
      });
    }
  }
  return crossings;
}

/**
 * `count` crossings scattered over `sizeM` square metres, each on one or two of `roads`
 * road names, with approaches from random sides; some crossings share exact positions, so
 * distance ties are exercised. `random` returns [0, 1).
 */
export function scatteredCity(count: number, random: () => number, options: { sizeM?: number; roads?: number } = {}): NeighbourCrossingInput[] {
  const sizeM = options.sizeM ?? 8000;
  const roadCount = options.roads ?? Math.max(2, Math.round(Math.sqrt(count)));
  const directions = ['N', 'NE', 'E', 'SE', 'S', 'SW', 'W', 'NW'];
  const crossings: NeighbourCrossingInput[] = [];
  for (let i = 0; i < count; i++) {
    const twin = i > 0 && random() < 0.05 ? crossings[Math.floor(random() * i)] : null;
    const lat = twin ? twin.lat : -37.8 - (random() * sizeM) / METRES_PER_DEGREE;
    const lon = twin ? twin.lon : 145.0 + (random() * sizeM) / (METRES_PER_DEGREE * 0.79);
    const roads = [`ROAD ${Math.floor(random() * roadCount)}`];
    if (random() < 0.6) roads.push(`ROAD ${Math.floor(random() * roadCount)}`);
    const approaches = Array.from({ length: 1 + Math.floor(random() * 4) }, (_, k) => ({
      id: `x${i}:${k}`,
      direction: directions[Math.floor(random() * directions.length)],
      road: roads[Math.floor(random() * roads.length)],
    }));
    crossings.push({ id: `x${i}`, name: roads.join(' / '), lat, lon, approaches });
  }
  return crossings;
}
