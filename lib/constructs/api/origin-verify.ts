import { RemovalPolicy, SecretValue } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { acknowledge } from '../nag';

/** The header CloudFront adds to every origin request to the API (lower case, as WAF and ALB compare it). */
export const ORIGIN_VERIFY_HEADER = 'x-origin-verify';

/**
 * The parties of the origin header the rotation (Frontend stack, OriginSecretRotation) needs to
 * know: the secret, its key, and the acceptors that check the value (ADR 21).
 */
export interface OriginHeaderParties {
  readonly secretArn: string;
  readonly secretKeyArn: string;
  readonly headerName: string;
  /** The internal ALB's listener rule that forwards requests carrying the header. */
  readonly listenerRuleArn: string;
  /** The REGIONAL web ACL and its origin rule, where the profile has WAF. */
  readonly webAcl?: { readonly name: string; readonly id: string; readonly arn: string; readonly ruleName: string };
}

export interface OriginVerifySecretProps {
  /** `securecart-<profile>`. */
  readonly prefix: string;
  readonly profileName: string;
  readonly key: kms.IKey;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * A generated secret that only CloudFront knows (the Frontend stack sends it as the
 * `x-origin-verify` origin header). The REGIONAL WAF rule, the method request validation and the
 * ALB listener rule check it, so requests that bypass CloudFront are refused (ADR 13).
 *
 * CloudFormation resolves it (`{{resolve:secretsmanager:…}}`) where it is compared, so it never
 * appears in a template. Alphanumeric, 48 characters: valid in a header, a WAF byte match and an
 * ALB header condition (at most 128 characters, no wildcards).
 *
 * It is rotated on a schedule (OriginSecretRotation, Frontend stack; ADR 21): the rotation widens
 * the WAF rule and the listener rule to the current and the new value before CloudFront sends
 * the new one, so the acceptors hold two values between rotations while the templates name one
 * (AWSCURRENT): a later deployment that updates them resolves to what CloudFront sends.
 */
export class OriginVerifySecret extends Construct {
  readonly secret: secretsmanager.Secret;
  readonly secretName: string;
  readonly headerName = ORIGIN_VERIFY_HEADER;

  constructor(scope: Construct, id: string, props: OriginVerifySecretProps) {
    super(scope, id);
    this.secretName = `securecart/${props.profileName}/api/origin-verify`;
    this.secret = new secretsmanager.Secret(this, 'Secret', {
      secretName: this.secretName,
      description: `SecureCart ${props.profileName}: the ${ORIGIN_VERIFY_HEADER} header value CloudFront sends to the API`,
      encryptionKey: props.key,
      generateSecretString: { passwordLength: 48, excludePunctuation: true, includeSpace: false },
      removalPolicy: props.removalPolicy,
    });
    acknowledge(this.secret, {
      'AwsSolutions-SMG4':
        "Rotated every 30 days by OriginSecretRotation in the Frontend stack (the rotate-origin-secret Lambda: acceptors first, then CloudFront; ADR 21). The schedule lives there because it must name the distribution, and cdk-nag looks for a schedule in the secret's own stack only.",
    });
  }

  /** The value as a CloudFormation dynamic reference (resolved at deploy time, never in the template). */
  get value(): string {
    return this.secret.secretValue.unsafeUnwrap();
  }

  /**
   * The value for another stack of the same account and region (the Frontend stack's CloudFront
   * origin header): a dynamic reference by the secret's fixed name, a literal in that template,
   * so no cross-stack reference has to be resolved inside it.
   */
  get valueByName(): string {
    return SecretValue.secretsManager(this.secretName).unsafeUnwrap();
  }
}
