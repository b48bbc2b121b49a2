import { RemovalPolicy } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { TierKey } from '../encryption';
import { logWebAcl, managedRuleGroupRules, wafVisibility } from '../waf';

/** AWS managed rule groups of the user pool's web ACL, in evaluation order. */
export const USER_POOL_RULE_GROUPS = [
  'AWSManagedRulesAmazonIpReputationList',
  'AWSManagedRulesCommonRuleSet',
  'AWSManagedRulesKnownBadInputsRuleSet',
] as const;
/** AWS WAF Fraud Control account takeover prevention. */
export const ACCOUNT_TAKEOVER_RULE_GROUP = 'AWSManagedRulesATPRuleSet';
/**
 * Where Cognito's managed login posts the credentials (form fields `username` and `password`), on
 * the user pool's domain: what the ATP rule group inspects.
 */
export const MANAGED_LOGIN_PATH = '/login';

export interface UserPoolWafProps {
  /** `securecart-<profile>`. */
  readonly prefix: string;
  readonly userPool: cognito.IUserPool;
  /** Add AWSManagedRulesATPRuleSet (the profile's identity.accountTakeoverProtection). */
  readonly accountTakeoverProtection: boolean;
  readonly key: TierKey;
  readonly logRetentionDays: number;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * A REGIONAL web ACL associated with the customer user pool (ADR 22): it guards what the storefront
 * never proxies, Cognito's sign-in, sign-up, password reset and token endpoints. AWS's IP
 * reputation, common and known-bad-inputs rule groups, then (where the profile enables it) account
 * takeover prevention on managed login's `POST /login`. Logs go to a KMS-encrypted log group with
 * the Authorization and Cookie headers redacted (request bodies, where passwords travel, are never
 * logged by WAF).
 */
export class UserPoolWaf extends Construct {
  readonly webAcl: wafv2.CfnWebACL;

  constructor(scope: Construct, id: string, props: UserPoolWafProps) {
    super(scope, id);
    const metricName = `${props.prefix}-user-pool`;
    const visibility = wafVisibility(metricName);
    const rules = managedRuleGroupRules(visibility, USER_POOL_RULE_GROUPS);
    if (props.accountTakeoverProtection) {
      rules.push({
        name: ACCOUNT_TAKEOVER_RULE_GROUP,
        priority: 10 + rules.length,
        overrideAction: { none: {} },
        statement: {
          managedRuleGroupStatement: {
            vendorName: 'AWS',
            name: ACCOUNT_TAKEOVER_RULE_GROUP,
            managedRuleGroupConfigs: [
              {
                awsManagedRulesAtpRuleSet: {
                  loginPath: MANAGED_LOGIN_PATH,
                  requestInspection: {
                    payloadType: 'FORM_ENCODED',
                    usernameField: { identifier: 'username' },
                    passwordField: { identifier: 'password' },
                  },
                },
              },
            ],
          },
        },
        visibilityConfig: visibility('account-takeover'),
      });
    }
    this.webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      name: metricName,
      description: `SecureCart customer user pool: AWS managed rule groups${props.accountTakeoverProtection ? ', account takeover prevention' : ''}`,
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: { cloudWatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName },
      rules,
    });
    new wafv2.CfnWebACLAssociation(this, 'UserPoolAssociation', {
      resourceArn: props.userPool.userPoolArn,
      webAclArn: this.webAcl.attrArn,
    });
    logWebAcl(this, this.webAcl, {
      name: metricName,
      key: props.key,
      retentionDays: props.logRetentionDays,
      removalPolicy: props.removalPolicy,
      redactedHeaders: ['authorization', 'cookie'],
    });
  }
}
