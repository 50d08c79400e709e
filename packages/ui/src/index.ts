export * from './trpc';
export * from './primitives';
export * from './session';
