export * from './tf-backend';
export * from './env';
