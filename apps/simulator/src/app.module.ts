import { DynamicModule, Module } from '@nestjs/common';
import { SIMULATOR_CONFIG, SimulatorConfig } from './config';
import { ReplayService } from './replay.service';
import { SimulateService } from './simulate.service';

@Module({})
export class SimulatorModule {
  /** One source of detector readings per process: recorded counts (replay) or the engine (simulate). */
  static forRoot(config: SimulatorConfig): DynamicModule {
    const source = config.SIMULATOR_MODE === 'simulate' ? SimulateService : ReplayService;
    return { module: SimulatorModule, providers: [{ provide: SIMULATOR_CONFIG, useValue: config }, source] };
  }
}
