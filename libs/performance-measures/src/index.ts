export * from './events';
export * from './cycles';
export * from './split-monitor';
export * from './volumes';
export * from './coordination';
export * from './split-failures';
export * from './measures';
