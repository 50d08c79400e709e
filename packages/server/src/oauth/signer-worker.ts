/**
 * The token signer's worker thread (see signer.ts), an entry of its own in the build: it keeps the keys it
 * is sent and answers each batch of signing inputs with their signatures, in order.
 */
import type { KeyObject } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import { nameThisThread } from '../ops/threads';
import { es256 } from './es256';

/** A key to keep under the signer's id for it, or a batch to sign with kept keys. */
export type SignerRequest =
  | { keyId: number; key: KeyObject }
  | { id: number; inputs: string[]; keys: number[] };

/** A batch's signatures, or why it could not be signed. */
export type SignerReply = { id: number; signatures: string[] } | { id: number; error: string };

const port = parentPort;
if (!port) throw new Error('signer-worker runs only as the token signer’s worker thread.');
// Named, not lowered: a token request waits on it.
nameThisThread('token-signer');
const keys = new Map<number, KeyObject>();

port.on('message', (message: SignerRequest) => {
  if ('key' in message) {
    keys.set(message.keyId, message.key);
    return;
  }
  let reply: SignerReply;
  try {
    reply = {
      id: message.id,
      signatures: message.inputs.map((input, index) => {
        const key = keys.get(message.keys[index] ?? -1);
        if (!key) throw new Error('no key was sent under this id');
        return es256(input, key);
      }),
    };
  } catch (error) {
    reply = { id: message.id, error: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(reply);
});
