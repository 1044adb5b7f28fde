import {
  createHash,
  createPrivateKey,
  createPublicKey,
  createSign,
  createVerify,
  generateKeyPair,
  type KeyObject,
} from 'node:crypto';
import { promisify } from 'node:util';
import type { JsonObject } from './types.js';
import { isObject } from './types.js';

/** The issuer and audience a default kube-apiserver (kubeadm, kind) uses for ServiceAccount tokens. */
export const ISSUER = 'https://kubernetes.default.svc.cluster.local';
export const API_AUDIENCE = 'https://kubernetes.default.svc.cluster.local';

function b64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

/** RS256 signing with a key generated at start, like the apiserver's --service-account-signing-key-file. */
export class JwtSigner {
  private constructor(
    private readonly privateKey: KeyObject,
    private readonly publicKey: KeyObject,
    readonly keyId: string,
  ) {}

  /** A signer with a fresh key, or with `privateKeyPem` (an emulator restarted from its state). */
  static async create(privateKeyPem?: string): Promise<JwtSigner> {
    const { privateKey, publicKey } = privateKeyPem
      ? { privateKey: createPrivateKey(privateKeyPem), publicKey: createPublicKey(privateKeyPem) }
      : await promisify(generateKeyPair)('rsa', { modulusLength: 2048 });
    // The apiserver's kid is the base64url SHA-256 of the DER public key.
    const der = publicKey.export({ type: 'spki', format: 'der' });
    return new JwtSigner(privateKey, publicKey, b64url(createHash('sha256').update(der).digest()));
  }

  /** The private key as PKCS#8 PEM, to be kept with the emulator's state. */
  privateKeyPem(): string {
    return this.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  }

  sign(claims: JsonObject): string {
    const input = `${b64url(JSON.stringify({ alg: 'RS256', kid: this.keyId }))}.${b64url(JSON.stringify(claims))}`;
    const signature = createSign('RSA-SHA256').update(input).sign(this.privateKey);
    return `${input}.${b64url(signature)}`;
  }

  /** The claims of a token this signer issued, or undefined when the token is not one (bad shape, alg or signature). */
  verify(token: string): JsonObject | undefined {
    const parts = token.split('.');
    if (parts.length !== 3) return undefined;
    try {
      const header: unknown = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
      if (!isObject(header) || header.alg !== 'RS256') return undefined;
      const ok = createVerify('RSA-SHA256')
        .update(`${parts[0]}.${parts[1]}`)
        .verify(this.publicKey, Buffer.from(parts[2], 'base64url'));
      if (!ok) return undefined;
      const claims: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
      return isObject(claims) ? claims : undefined;
    } catch {
      return undefined;
    }
  }
}
