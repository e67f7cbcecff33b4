export * from './city-network';
export * from './grid-city';
export * from './calibration';
export * from './timing-plan';
