import type { FastifyReply } from 'fastify';
import { sendProblem } from '../http/problem';
import type { Refusal } from './gate';
import type { RateDecision } from './rate-limit';

/** The quota of the call's app and tenant, on every call the gate could count under them. */
export function rateHeaders(reply: FastifyReply, rate: RateDecision): void {
  reply.header('x-ratelimit-limit', rate.limit).header('x-ratelimit-remaining', rate.remaining);
  if (!rate.remaining || rate.retryAfterMs)
    reply.header('x-ratelimit-reset', Math.ceil(rate.retryAfterMs / 1000));
}

/** A refusal of the gate with its RFC 6750 §3.1 challenge and, once the app and tenant are known, the quota. */
export function refuse(reply: FastifyReply, refusal: Refusal): FastifyReply {
  if (refusal.status === 401 && refusal.error === 'invalid_token' && !refusal.tokenMissing) {
    reply.header(
      'www-authenticate',
      `Bearer realm="gatehouse", error="invalid_token", error_description="${refusal.description.replace(/"/g, "'")}"`,
    );
  } else if (refusal.status === 401) {
    reply.header('www-authenticate', 'Bearer realm="gatehouse"');
  } else if (refusal.error === 'insufficient_scope') {
    reply.header(
      'www-authenticate',
      `Bearer realm="gatehouse", error="insufficient_scope", scope="${refusal.requiredScope}"`,
    );
  }
  if (refusal.rate) {
    rateHeaders(reply, refusal.rate);
    if (!refusal.rate.allowed)
      reply.header('retry-after', Math.max(1, Math.ceil(refusal.rate.retryAfterMs / 1000)));
  }
  const { status, error, description, requiredScope } = refusal;
  return sendProblem(reply, {
    status,
    error,
    description,
    ...(requiredScope ? { scope: requiredScope } : {}),
  });
}
