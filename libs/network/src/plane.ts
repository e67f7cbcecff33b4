/**
 * Geometry in a network file's own plane: metres, x east, y north (SUMO's and CityFlow's
 * coordinates, the simulation engine's nodes), and the small-city projection between that
 * plane and WGS84 lat/lon that city folders use. Pure functions.
 */

export interface PlanePoint {
  x: number;
  y: number;
}

/** The eight compass sides an approach can arrive from, and their bearings (degrees clockwise from north). */
export const SIDE_BEARINGS: Readonly<Record<string, number>> = { N: 0, NE: 45, E: 90, SE: 135, S: 180, SW: 225, W: 270, NW: 315 };
export const COMPASS_SIDES: readonly string[] = Object.keys(SIDE_BEARINGS);

/** Straight-line distance between two points of the plane, metres. */
export function planeDistanceM(a: PlanePoint, b: PlanePoint): number {
  return Math.hypot(b.x - a.x, b.y - a.y);
}

/** Length of a polyline (a road's shape), metres. */
export function polylineLengthM(points: readonly PlanePoint[]): number {
  let length = 0;
  for (let k = 1; k < points.length; k++) length += Math.hypot(points[k].x - points[k - 1].x, points[k].y - points[k - 1].y);
  return length;
}

/** Compass bearing from `from` to `to` in the plane, degrees clockwise from north, in [0, 360). */
export function planeBearingDeg(from: PlanePoint, to: PlanePoint): number {
  return ((Math.atan2(to.x - from.x, to.y - from.y) * 180) / Math.PI + 360) % 360;
}

/** The nearest of the eight compass sides to a bearing (22.5° either side of each). */
export function compassSide(bearingDeg: number): string {
  return COMPASS_SIDES[Math.round((((bearingDeg % 360) + 360) % 360) / 45) % 8];
}

/** The smaller angle between two bearings, degrees in [0, 180]. */
export function angleBetweenDeg(a: number, b: number): number {
  const d = Math.abs(a - b) % 360;
  return d > 180 ? 360 - d : d;
}

/** Unit vector (x east, y north) pointing towards a compass bearing. */
export function towardsBearing(bearingDeg: number): [number, number] {
  const r = (bearingDeg * Math.PI) / 180;
  return [Math.sin(r), Math.cos(r)];
}

/** Metres per degree of latitude, and of longitude at the equator, of the local projection. */
export const METRES_PER_DEGREE_LAT = 110_540;
export const METRES_PER_DEGREE_LON_AT_EQUATOR = 111_320;

/**
 * Equirectangular projection around `centre` (a city is small): the plane point `origin`
 * sits at `centre`. Used to place an imported or generated network on the map and to put a
 * crossings file's lat/lon into metres.
 */
export interface LocalPlane {
  toLatLon(p: PlanePoint): { lat: number; lon: number };
  toPlane(p: { lat: number; lon: number }): PlanePoint;
}

export function localPlane(centre: { lat: number; lon: number }, origin: PlanePoint = { x: 0, y: 0 }): LocalPlane {
  const kx = METRES_PER_DEGREE_LON_AT_EQUATOR * Math.cos((centre.lat * Math.PI) / 180);
  return {
    toLatLon: (p) => ({ lat: centre.lat + (p.y - origin.y) / METRES_PER_DEGREE_LAT, lon: centre.lon + (p.x - origin.x) / kx }),
    toPlane: (p) => ({ x: (p.lon - centre.lon) * kx + origin.x, y: (p.lat - centre.lat) * METRES_PER_DEGREE_LAT + origin.y }),
  };
}
