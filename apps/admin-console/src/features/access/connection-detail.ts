import type { RouterOutputs } from '@gatehouse/ui';

/** One connection as its page shows it: what the page and its secrets and upgrade panels share. */
export type ConnectionDetail = RouterOutputs['connections']['get'];
