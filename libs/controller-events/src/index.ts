export * from './codes';
export * from './parse';
export * from './local-time';
export * from './detector-map';
export * from './counts';
