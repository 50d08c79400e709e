import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Problem } from '../errors';
import { sendProblem } from '../http/problem';

const REQUEST_TIMEOUT: Problem = {
  status: 408,
  error: 'request_timeout',
  description: 'The request body stopped arriving before it was complete; send the call again.',
};

/**
 * Keeps a client from holding a connection to the upstream by going quiet: once its own connection has been
 * idle for `ms` (one socket timer, refreshed by every byte either way), a client that stopped sending its
 * body is answered 408, or cut off if the answer has begun, and one that stopped reading an answer waiting
 * for it is cut off; the upstream call stops with it (`gone`). Quiet while the gateway waits for the
 * upstream, or while the upstream pauses its answer, is not the client's doing: the upstream's own
 * deadlines cover that. A body the gateway holds unread is waiting for the upstream too.
 */
export function watchIdleClient(
  request: FastifyRequest,
  reply: FastifyReply,
  gone: AbortController,
  ms: number,
): void {
  reply.raw.setTimeout(ms, () => {
    const body = request.raw;
    const stalled = !body.complete && body.readableLength === 0;
    if (reply.raw.headersSent) {
      if (stalled || reply.raw.writableNeedDrain) reply.raw.destroy();
      return;
    }
    if (!stalled) return;
    // Stopping the upstream call ends the client's body, and its connection with it: once the answer is out.
    reply.raw.once('finish', () => gone.abort());
    sendProblem(reply.header('connection', 'close'), REQUEST_TIMEOUT);
  });
}
