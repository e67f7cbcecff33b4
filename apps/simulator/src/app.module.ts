import { DynamicModule, Module } from '@nestjs/common';
import { SIMULATOR_CONFIG, SimulatorConfig } from './config';
import { ReplayService } from './replay.service';

@Module({})
export class SimulatorModule {
  static forRoot(config: SimulatorConfig): DynamicModule {
    return { module: SimulatorModule, providers: [{ provide: SIMULATOR_CONFIG, useValue: config }, ReplayService] };
  }
}
