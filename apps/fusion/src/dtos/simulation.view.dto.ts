import { ApiProperty } from '@nestjs/swagger';
import type { SimulatedCrossingView, SimulationSnapshotView } from '@crosscast/contracts';

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

export class SimulatedCityDto {
  @ApiProperty() throughput: number;
  @ApiProperty() meanDelaySeconds: number;
  @ApiProperty() stopsPerVehicle: number;
  @ApiProperty() meanQueue: number;
  @ApiProperty() maxQueue: number;
  @ApiProperty() vehiclesInside: number;
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
