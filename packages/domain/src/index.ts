export * from './catalog';
export * from './versions';
export * from './errors';
export * from './app';
