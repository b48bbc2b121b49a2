import { Aws, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { TierKey } from '../encryption';
import { Observable } from '../ops-alarms';
import { logWebAcl, managedRuleGroupRules, wafVisibility } from '../waf';
import { ORIGIN_VERIFY_HEADER } from './origin-verify';

/** The web ACL rule that checks the origin header (the rotation Lambda rewrites its values; ADR 21). */
export const ORIGIN_VERIFY_RULE_NAME = 'OriginVerifyHeader';

export interface RegionalWafProps {
  /** `securecart-<profile>`. */
  readonly prefix: string;
  /** The API Gateway stage ARN to protect. */
  readonly stageArn: string;
  /** The value CloudFront sends in the origin header (a Secrets Manager dynamic reference). */
  readonly originVerifyValue: string;
  readonly ratePer5Min: number;
  readonly key: TierKey;
  readonly logRetentionDays: number;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * A REGIONAL web ACL on the API stage: first it blocks any request without CloudFront's origin
 * header, then a per-client rate limit, then AWS's IP reputation, common, known-bad-inputs and
 * SQL injection rule groups. Logs go to a KMS-encrypted log group with the secret header redacted.
 *
 * Behind CloudFront the source IP WAF sees is an edge location, so the rate limit counts the
 * first address of X-Forwarded-For (which CloudFront appends the viewer's address to). A client
 * can prefix a forged address, so this is a coarse backstop: the authoritative per-IP limit
 * belongs to the CLOUDFRONT-scope web ACL (EdgeSecurity stack).
 */
export class RegionalWaf extends Construct implements Observable {
  readonly webAcl: wafv2.CfnWebACL;
  readonly alarms: cloudwatch.IAlarm[] = [];
  readonly widgets: cloudwatch.IWidget[];

  constructor(scope: Construct, id: string, props: RegionalWafProps) {
    super(scope, id);
    const metricName = `${props.prefix}-api`;
    const visibility = wafVisibility(metricName);
    const rules: wafv2.CfnWebACL.RuleProperty[] = [
      {
        name: ORIGIN_VERIFY_RULE_NAME,
        priority: 0,
        action: { block: {} },
        statement: {
          notStatement: {
            statement: {
              byteMatchStatement: {
                fieldToMatch: { singleHeader: { Name: ORIGIN_VERIFY_HEADER } },
                positionalConstraint: 'EXACTLY',
                searchString: props.originVerifyValue,
                textTransformations: [{ priority: 0, type: 'NONE' }],
              },
            },
          },
        },
        visibilityConfig: visibility('origin-verify'),
      },
      {
        name: 'RatePerClientIp',
        priority: 1,
        action: { block: {} },
        statement: {
          rateBasedStatement: {
            limit: props.ratePer5Min,
            evaluationWindowSec: 300,
            aggregateKeyType: 'FORWARDED_IP',
            forwardedIpConfig: { headerName: 'X-Forwarded-For', fallbackBehavior: 'MATCH' },
          },
        },
        visibilityConfig: visibility('rate-per-ip'),
      },
      ...managedRuleGroupRules(visibility),
    ];
    this.webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      name: `${props.prefix}-api`,
      description: 'SecureCart REST API: origin header, per-client rate limit, AWS managed rule groups',
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      // The web ACL's metric name is the WebACL dimension of its metrics.
      visibilityConfig: { cloudWatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName },
      rules,
    });
    new wafv2.CfnWebACLAssociation(this, 'StageAssociation', {
      resourceArn: props.stageArn,
      webAclArn: this.webAcl.attrArn,
    });

    logWebAcl(this, this.webAcl, {
      name: `${props.prefix}-api`,
      key: props.key,
      retentionDays: props.logRetentionDays,
      removalPolicy: props.removalPolicy,
      redactedHeaders: [ORIGIN_VERIFY_HEADER, 'authorization'],
    });

    const blocked = (rule: string, label: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/WAFV2',
        metricName: 'BlockedRequests',
        dimensionsMap: { WebACL: metricName, Region: Aws.REGION, Rule: rule },
        statistic: 'Sum',
        period: Duration.minutes(1),
        label,
      });
    this.widgets = [
      new cloudwatch.GraphWidget({
        title: 'REGIONAL WAF: blocked requests',
        left: [
          blocked('ALL', 'all'),
          blocked(`${metricName}-origin-verify`, 'no origin header'),
          blocked(`${metricName}-rate-per-ip`, 'rate limit'),
        ],
        width: 12,
      }),
    ];
  }
}
