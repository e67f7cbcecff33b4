export * from './ids';
export * from './names';
export * from './messages';
export * from './crossings';
export * from './views';
export * from './signing';
export * from './api';
