import { PhaseDemand } from './webster';

export type Compass = 'N' | 'NE' | 'E' | 'SE' | 'S' | 'SW' | 'W' | 'NW';

const BEARING: Record<Compass, number> = { N: 0, NE: 45, E: 90, SE: 135, S: 180, SW: 225, W: 270, NW: 315 };

export interface ApproachForPhasing {
  id: string;
  direction: Compass;
  flowVehPerHour: number;
}

export interface PhasingOptions {
  /** Saturation flow per lane (veh/h of green) and assumed lanes per approach. */
  saturationFlowPerLane: number;
  lanesPerApproach: number;
}

/** Stated defaults: 1,800 veh/h/lane (a common planning value), 2 lanes per approach. */
export const DEFAULT_PHASING: PhasingOptions = { saturationFlowPerLane: 1800, lanesPerApproach: 2 };

/**
 * A first, two-phase plan: approaches from the north/south half of the compass share one
 * phase and east/west the other (diagonals go to the nearer axis; exact 45-degree ones,
 * NE/SW to north-south and NW/SE to east-west). A crossing whose detectors cover one
 * axis still gets a second phase for the side street, with no measured flow, so it is
 * given the minimum green.
 */
export function twoPhaseDemand(approaches: ApproachForPhasing[], partial: Partial<PhasingOptions> = {}): PhaseDemand[] {
  const options = { ...DEFAULT_PHASING, ...partial };
  const saturation = options.saturationFlowPerLane * options.lanesPerApproach;
  const northSouth: PhaseDemand = { name: 'north-south', approaches: [] };
  const eastWest: PhaseDemand = { name: 'east-west', approaches: [] };
  for (const approach of approaches) {
    const bearing = BEARING[approach.direction];
    const fromAxis = Math.min(bearing % 180, 180 - (bearing % 180));
    const isNorthSouth = fromAxis < 45 || (fromAxis === 45 && (approach.direction === 'NE' || approach.direction === 'SW'));
    (isNorthSouth ? northSouth : eastWest).approaches.push({ id: approach.id, flowVehPerHour: approach.flowVehPerHour, saturationFlowVehPerHour: saturation });
  }
  return [northSouth, eastWest];
}
