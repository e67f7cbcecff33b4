export * from './webster';
export * from './phasing';
export * from './hcm-delay';
export * from './demand-scenarios';
export * from './planner';
export * from './coordination';
export * from './sumo-export';
export * from './sumo-approach-export';
