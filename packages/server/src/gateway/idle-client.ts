import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Problem } from '../errors';
import { sendProblem } from '../http/problem';

const REQUEST_TIMEOUT: Problem = {
  status: 408,
  error: 'request_timeout',
  description: 'The request body stopped arriving before it was complete; send the call again.',
};

/** How many of the upstream's timeouts a client has to send its whole body. */
const BODY_TIMEOUTS = 10;

/**
 * Keeps a client from holding a connection to the upstream by going quiet: once its own connection has been
 * idle for `ms` (one socket timer, refreshed by every byte either way), a client that stopped sending its
 * body is answered 408, or cut off if the answer has begun, and one that stopped reading an answer waiting
 * for it is cut off; the upstream call stops with it (`gone`). Quiet while the gateway waits for the
 * upstream, or while the upstream pauses its answer, is not the client's doing: the upstream's own
 * deadlines cover that. A body the gateway holds unread is waiting for the upstream too.
 *
 * A client that sends a byte now and then is never idle, so its whole body must also have arrived within
 * ten times `ms` from the call, unless the upstream is the one not reading it.
 */
export function watchIdleClient(
  request: FastifyRequest,
  reply: FastifyReply,
  gone: AbortController,
  ms: number,
): void {
  const body = request.raw;
  const stalled = () => !body.complete && body.readableLength === 0;
  /** Answers 408, or cuts the client off when the answer has begun. */
  const stop = () => {
    if (reply.raw.headersSent) return void reply.raw.destroy();
    // Stopping the upstream call ends the client's body, and its connection with it: once the answer is out.
    reply.raw.once('finish', () => gone.abort());
    sendProblem(reply.header('connection', 'close'), REQUEST_TIMEOUT);
  };
  reply.raw.setTimeout(ms, () => {
    if (stalled() || (reply.raw.headersSent && reply.raw.writableNeedDrain)) stop();
  });
  if (body.complete) return;
  let deadline = setTimeout(function late() {
    if (body.complete || reply.raw.destroyed) return;
    // The gateway holds some of the body unread: the upstream is slow to take it, ask again later.
    if (!stalled()) deadline = setTimeout(late, ms);
    else stop();
  }, ms * BODY_TIMEOUTS);
  const clear = () => clearTimeout(deadline);
  body.once('end', clear);
  reply.raw.once('close', clear);
}
