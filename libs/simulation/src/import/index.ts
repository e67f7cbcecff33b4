export * from './xml';
export * from './report';
export * from './sumo';
export * from './cityflow';
export * from './city-folder';
