export * from './trpc';
export * from './primitives';
export * from './session';
export * from './scope-list';
export * from './credentials';
export * from './notifications';
export * from './audit-trail';
