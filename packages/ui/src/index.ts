export * from './audit-trail';
export * from './credentials';
export * from './notifications';
export * from './primitives';
export * from './scope-list';
export * from './session';
export * from './trpc';
