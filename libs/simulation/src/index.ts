export * from './network';
export * from './engine';
export * from './signals';
export * from './grid';
export * from './theory';
export * from './sumo/writers';
export * from './sumo/timeline';
export * from './boroondara';
