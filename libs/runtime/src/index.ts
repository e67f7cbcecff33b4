export * from './tf-backend';
export * from './env';
export * from './worker-keys';
export * from './health-server';
export * from './redis-keys';
