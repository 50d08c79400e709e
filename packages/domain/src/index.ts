export * from './app';
export * from './catalog';
export * from './connection';
export * from './errors';
export * from './review';
export * from './text';
export * from './usage';
export * from './versions';
