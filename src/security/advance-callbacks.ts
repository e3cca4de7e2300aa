import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Callbacks from HotDocs Advance v2.0 (Complete, CreateAndAssemble, SaveAndClose post to
 * `callbackUrl` when done). The worker gives each version a callback URL on the gateway and a
 * callback secret; the gateway checks both and signals the lifecycle to read the version's status
 * now. Both are derived from one secret the worker and the gateway share
 * (`ADVANCE_CALLBACK_SECRET`), so nothing per version has to be stored anywhere.
 *
 * Token: `c1.<payload>.<signature>` (base64url), payload = JSON `[lifecycleId, workItemId,
 * versionId]`, signature = HMAC-SHA256 over `c1.<payload>`. The per-version callback secret is
 * HMAC-SHA256(secret, `callback-secret:<versionId>`), hex.
 */

const VERSION = 'c1';

export interface CallbackTarget {
  lifecycleId: string;
  workItemId: string;
  versionId: string;
}

export class AdvanceCallbackSigner {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = Buffer.from(secret, 'utf8');
  }

  /** The callback for one version: where Advance posts, and the secret it authenticates with. */
  callbackFor(baseUrl: string, target: CallbackTarget): { url: string; secret: string } {
    const payload = Buffer.from(
      JSON.stringify([target.lifecycleId, target.workItemId, target.versionId]),
      'utf8',
    ).toString('base64url');
    const signed = `${VERSION}.${payload}`;
    const token = `${signed}.${this.mac(signed).toString('base64url')}`;
    return {
      url: `${baseUrl.replace(/\/+$/, '')}/v1/advance-callbacks/${token}`,
      secret: this.versionSecret(target.versionId),
    };
  }

  /** The version the token names, or undefined when it was not signed with this secret. */
  verify(token: string): CallbackTarget | undefined {
    const parts = token.split('.');
    if (parts.length !== 3 || parts[0] !== VERSION) return undefined;
    const [version, payload, signature] = parts as [string, string, string];
    const presented = Buffer.from(signature, 'base64url');
    const expected = this.mac(`${version}.${payload}`);
    if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) return undefined;
    if (presented.toString('base64url') !== signature) return undefined;
    try {
      const decoded: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
      if (!Array.isArray(decoded) || decoded.length !== 3 || !decoded.every((v) => typeof v === 'string')) {
        return undefined;
      }
      const [lifecycleId, workItemId, versionId] = decoded as [string, string, string];
      return { lifecycleId, workItemId, versionId };
    } catch {
      return undefined;
    }
  }

  /** What Advance signs its callback with, for `verifyCallbackSignature`. */
  versionSecret(versionId: string): string {
    return createHmac('sha256', this.key).update(`callback-secret:${versionId}`, 'utf8').digest('hex');
  }

  private mac(text: string): Buffer {
    return createHmac('sha256', this.key).update(text, 'utf8').digest();
  }
}
