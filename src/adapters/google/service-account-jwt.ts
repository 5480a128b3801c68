import { createPrivateKey, sign, type KeyObject } from 'node:crypto';
import type { ServiceAccountKey } from '../../ports/google.js';

/** The claims of a service-account assertion (RFC 7523), times in seconds. */
export interface AssertionClaims {
  /** The user to impersonate (domain-wide delegation); absent to act as the service account itself. */
  sub?: string;
  scope: string;
  aud: string;
  iat: number;
}

/** An assertion lives one hour, the longest Google accepts. */
export const ASSERTION_LIFETIME_S = 3600;

const b64url = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');

/**
 * Sign a service-account JWT (RS256) for the OAuth 2.0 JWT-bearer grant: header {alg, typ, kid = private_key_id},
 * claims {iss = client_email, sub, scope, aud, iat, exp = iat + 3600}. `keyObject` saves re-reading the PEM.
 */
export function signAssertion(key: ServiceAccountKey, claims: AssertionClaims, keyObject: KeyObject = createPrivateKey(key.private_key)): string {
  const header = key.private_key_id ? { alg: 'RS256', typ: 'JWT', kid: key.private_key_id } : { alg: 'RS256', typ: 'JWT' };
  const body = { iss: key.client_email, ...(claims.sub ? { sub: claims.sub } : {}), scope: claims.scope, aud: claims.aud, iat: claims.iat, exp: claims.iat + ASSERTION_LIFETIME_S };
  const input = `${b64url(header)}.${b64url(body)}`;
  const signature = sign('sha256', Buffer.from(input), keyObject).toString('base64url');
  return `${input}.${signature}`;
}
