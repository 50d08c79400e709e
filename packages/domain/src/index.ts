export * from './catalog';
export * from './versions';
export * from './errors';
export * from './app';
export * from './connection';
export * from './review';
export * from './text';
export * from './usage';
