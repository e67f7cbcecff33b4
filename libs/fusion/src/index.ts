export * from './online-stats';
export * from './week-profile';
export * from './city-fusion';
