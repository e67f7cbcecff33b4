export * from './webster';
export * from './phasing';
