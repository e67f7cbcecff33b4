export * from './entities/crossing.entity';
export * from './entities/crossing-status.entity';
export * from './entities/forecast.entity';
export * from './entities/forecast-point.entity';
export * from './entities/observation.entity';
export * from './entities/recommendation.entity';
export * from './entities/dead-letter.entity';
export * from './data-source';
