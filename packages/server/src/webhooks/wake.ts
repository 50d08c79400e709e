/** Those told when a procedure of this instance queued a delivery (a resend, a test event). */
const listeners = new Set<() => void>();

/** Listens for deliveries queued on this instance; returns how to stop. */
export function onDeliveriesQueued(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/**
 * Wakes this instance's delivery workers, so a delivery queued by a procedure
 * goes out now rather than at the next poll (other instances' polls find it too).
 */
export function deliveriesQueued(): void {
  for (const listener of listeners) listener();
}
