import { generateKeyPairSync, type KeyObject, verify } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TokenSigner } from './signer';

const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });

const valid = (input: string, signature: string, key: KeyObject = publicKey) =>
  verify(
    'sha256',
    Buffer.from(input, 'latin1'),
    { key, dsaEncoding: 'ieee-p1363' },
    Buffer.from(signature, 'base64url'),
  );

describe('token signer', () => {
  let signer: TokenSigner;
  afterEach(async () => {
    await signer?.close();
  });

  it('answers every request of a burst with a valid signature of its own input and key', async () => {
    signer = new TokenSigner({ error: vi.fn() });
    const inputs = Array.from({ length: 200 }, (_, i) => `header.payload-${i}`);
    const signatures = await Promise.all(
      inputs.map((input, i) => signer.sign(input, i % 2 ? other.privateKey : privateKey)),
    );
    signatures.forEach((signature, i) => {
      expect(Buffer.from(signature, 'base64url')).toHaveLength(64);
      expect(valid(inputs[i]!, signature, i % 2 ? other.publicKey : publicKey)).toBe(true);
      expect(valid(inputs[i]!, signature, i % 2 ? publicKey : other.publicKey)).toBe(false);
    });
    // ECDSA signatures are randomised: the same input twice gives two different valid signatures.
    const [first, second] = await Promise.all([
      signer.sign('same', privateKey),
      signer.sign('same', privateKey),
    ]);
    expect(first).not.toBe(second);
    expect(valid('same', first!) && valid('same', second!)).toBe(true);
  });

  it('keeps signing on the event loop when its worker dies, the unanswered requests included', async () => {
    const logged = vi.fn();
    signer = new TokenSigner({ error: logged });
    expect(valid('warm', await signer.sign('warm', privateKey))).toBe(true);
    const worker = (signer as unknown as { worker: { terminate(): Promise<number> } }).worker;
    const pending = Array.from({ length: 20 }, (_, i) => signer.sign(`pending-${i}`, privateKey));
    await worker.terminate();
    const after = await signer.sign('after', privateKey);
    for (const [i, signature] of (await Promise.all(pending)).entries()) {
      expect(valid(`pending-${i}`, signature)).toBe(true);
    }
    expect(valid('after', after)).toBe(true);
    expect(logged).toHaveBeenCalledOnce();
    logged.mockRestore();
  });

  it('fails only the request whose key cannot sign, and goes on signing the others', async () => {
    const logged = vi.fn();
    signer = new TokenSigner({ error: logged });
    const unusable = generateKeyPairSync('ed25519').privateKey;
    const [good, bad, alsoGood] = await Promise.allSettled([
      signer.sign('one', privateKey),
      signer.sign('two', unusable),
      signer.sign('three', privateKey),
    ]);
    logged.mockRestore();
    expect(good.status === 'fulfilled' && valid('one', good.value)).toBe(true);
    expect(bad.status).toBe('rejected');
    expect(alsoGood.status === 'fulfilled' && valid('three', alsoGood.value)).toBe(true);
    expect(valid('later', await signer.sign('later', privateKey))).toBe(true);
  });

  it('answers requests still waiting when it closes', async () => {
    signer = new TokenSigner({ error: vi.fn() });
    const pending = Array.from({ length: 10 }, (_, i) => signer.sign(`closing-${i}`, privateKey));
    await signer.close();
    for (const [i, signature] of (await Promise.all(pending)).entries()) {
      expect(valid(`closing-${i}`, signature)).toBe(true);
    }
    expect(valid('closed', await signer.sign('closed', privateKey))).toBe(true);
  });
});
