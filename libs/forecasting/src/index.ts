export * from './series';
export * from './cleaning';
export * from './calendar';
export * from './features';
export * from './quantiles';
export * from './bands';
export * from './seasonal-naive';
export * from './dense-model';
