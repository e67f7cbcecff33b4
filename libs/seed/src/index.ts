export * from './city-definition';
export * from './counts-csv';
