import { ApiProperty } from '@nestjs/swagger';
import type { SimulatedCrossingView, SimulationSnapshotView } from '@crosscast/contracts';

type SimulatedCity = SimulationSnapshotView['city'];

export class SimulatedCrossingDto implements SimulatedCrossingView {
  @ApiProperty() crossingId: string;
  @ApiProperty({ format: 'date-time' }) intervalStart: string;
  @ApiProperty() throughput: number;
  @ApiProperty() meanDelaySeconds: number;
  @ApiProperty() stopsPerVehicle: number;
  @ApiProperty() meanQueue: number;
  @ApiProperty() maxQueue: number;
  @ApiProperty({ description: 'The timing plan the simulated street ran at the end of the interval' }) planId: string;
}

export class SimulatedCityDto implements SimulatedCity {
  @ApiProperty() throughput: number;
  @ApiProperty() meanDelaySeconds: number;
  @ApiProperty() stopsPerVehicle: number;
  @ApiProperty({ description: 'Sum over crossings of their mean queues' }) meanQueue: number;
  @ApiProperty() maxQueue: number;
  @ApiProperty({ description: 'Trips that left the network in the interval' }) tripsCompleted: number;
  @ApiProperty({ description: 'Their mean delay against free flow' }) meanTripDelaySeconds: number;
  @ApiProperty() vehiclesInside: number;
  @ApiProperty({ description: 'Vehicles waiting outside a full entry link' }) vehiclesWaitingToEnter: number;
}

export class SimulationSnapshotDto implements SimulationSnapshotView {
  @ApiProperty() runId: string;
  @ApiProperty() network: string;
  @ApiProperty({ format: 'date-time' }) intervalStart: string;
  @ApiProperty({ type: 'integer' }) intervalMinutes: number;
  @ApiProperty({ type: () => SimulatedCityDto }) city: SimulatedCityDto;
  @ApiProperty({ type: () => [SimulatedCrossingDto] }) crossings: SimulatedCrossingDto[];
}

/** GET /api/simulation/latest. */
export class SimulationLatestDto {
  @ApiProperty({ type: () => SimulationSnapshotDto, nullable: true, description: 'Null in replay mode, or before the first report' }) latest: SimulationSnapshotDto | null;
}
