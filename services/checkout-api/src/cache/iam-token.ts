/**
 * ElastiCache's IAM authentication: the password is a SigV4-presigned request
 * `GET http://<cache name>/?Action=connect&User=<user id>&ResourceType=ServerlessCache`, signed
 * for the `elasticache` service with the task role's credentials and valid for 15 minutes, sent
 * without its `http://`. A token only has to be valid when a connection authenticates (AUTH);
 * the client re-authenticates its open connection before the 12-hour limit with a fresh one.
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';

/** How long a token is valid (ElastiCache's limit). */
export const TOKEN_LIFETIME_SECONDS = 900;

export interface IamTokenOptions {
  /** The serverless cache's name (lower case, as ElastiCache reports it). */
  readonly cacheName: string;
  /** The ElastiCache user id (authentication mode iam). */
  readonly userId: string;
  readonly region: string;
  /** @default the SDK's default chain (on ECS: the task role) */
  readonly credentials?: ConstructorParameters<typeof SignatureV4>[0]['credentials'];
  /** @default now */
  readonly signingDate?: Date;
}

export async function iamAuthToken(options: IamTokenOptions): Promise<string> {
  const signer = new SignatureV4({
    service: 'elasticache',
    region: options.region,
    credentials: options.credentials ?? defaultProvider(),
    sha256: Sha256,
  });
  const request = new HttpRequest({
    method: 'GET',
    protocol: 'http:',
    hostname: options.cacheName.toLowerCase(),
    path: '/',
    query: { Action: 'connect', User: options.userId, ResourceType: 'ServerlessCache' },
    headers: { host: options.cacheName.toLowerCase() },
  });
  const signed = await signer.presign(request, {
    expiresIn: TOKEN_LIFETIME_SECONDS,
    signingDate: options.signingDate,
  });
  const query = Object.entries(signed.query ?? {})
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
    .join('&');
  return `${signed.hostname}${signed.path}?${query}`;
}
