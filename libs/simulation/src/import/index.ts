export * from './xml';
export * from './report';
export * from './sumo';
