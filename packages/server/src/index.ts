/** What the SPAs may import: types only, never server code. */
export type { AppRouter } from './root';
