import { Inject, Injectable } from '@nestjs/common';
import * as path from 'node:path';
import { BasePlan, CityDefinition, CrossingDefinition } from '@crosscast/contracts';
import { loadCityDefinition } from '@crosscast/seed';
import { FUSION_CONFIG, FusionConfig } from '../config';

/** The city's crossings as defined in the seed data (read once at start-up). */
@Injectable()
export class CityRepository {
  readonly city: CityDefinition;
  private readonly byId: Map<string, CrossingDefinition>;

  constructor(@Inject(FUSION_CONFIG) config: FusionConfig) {
    this.city = loadCityDefinition(path.resolve(config.CITY_DIR));
    this.byId = new Map(this.city.crossings.map((c) => [c.id, c]));
  }

  get(crossingId: string): CrossingDefinition | undefined {
    return this.byId.get(crossingId);
  }

  all(): CrossingDefinition[] {
    return this.city.crossings;
  }

  /** The plan the crossing's controller runs according to the city folder (`basePlans`), if it says. */
  basePlan(crossingId: string): BasePlan | undefined {
    return this.city.basePlans?.[crossingId];
  }
}
