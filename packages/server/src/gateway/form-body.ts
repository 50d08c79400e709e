import type { IncomingMessage } from 'node:http';
import type { Problem } from '../errors';
import { overridesMethod } from './paths';

/**
 * A form body can name `_method` as a query can (Rails, Laravel and Spring's HiddenHttpMethodFilter read
 * both), so the gateway reads a form before sending it on and refuses one that would make the upstream take
 * the call for another method than the one the gate judged. Forms are small; a larger one is refused rather
 * than held or sent on unread.
 */

/** Form bodies up to this size are read and screened; larger ones are refused. */
export const FORM_BYTES = 64 * 1024;

export const FORM_TOO_LARGE: Problem = {
  status: 413,
  error: 'invalid_request',
  description: `A form body may hold at most ${FORM_BYTES} bytes.`,
};

/**
 * Whether a Content-Type names a form, read as leniently as Rack does: the media type before any `;` or
 * `,`, whatever its case and spacing.
 */
export function isForm(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  return contentType.split(/[;,]/, 1)[0]!.trim().toLowerCase() === 'application/x-www-form-urlencoded';
}

/** What a form body comes to: its bytes to send on, too large to read, or cut off (the client left). */
export type FormBody = { bytes: Buffer } | { problem: Problem } | { gone: true };

/**
 * Reads a form body whole, stopping as soon as it is known to be too large: what is left of it stays unread
 * (the refusal closes the connection), never destroying the request the refusal is the answer to.
 */
export function readForm(body: IncomingMessage): Promise<FormBody> {
  if (Number(body.headers['content-length']) > FORM_BYTES)
    return Promise.resolve({ problem: FORM_TOO_LARGE });
  if (body.destroyed) return Promise.resolve({ gone: true });
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const settle = (outcome: FormBody) => {
      body.off('data', onData).off('end', onEnd).off('error', onGone).off('close', onGone);
      resolve(outcome);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      chunks.push(chunk);
      if (size <= FORM_BYTES) return;
      body.pause();
      settle({ problem: FORM_TOO_LARGE });
    };
    const onEnd = () => settle({ bytes: Buffer.concat(chunks) });
    // The client left, or its body broke off before its end.
    const onGone = () => settle({ gone: true });
    body.on('data', onData).once('end', onEnd).once('error', onGone).once('close', onGone);
  });
}

/** Whether a form's field names ask for another method: the rule of the query (see paths.ts). */
export function formOverridesMethod(bytes: Buffer): boolean {
  // Each byte as one character, as the query rule reads `%XX`: field names are ASCII, values may be anything.
  return overridesMethod(bytes.toString('latin1'));
}
