import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { MANAGED_RULE_GROUPS } from '../api/regional-waf';
import { TierKey } from '../encryption';

export interface CloudFrontWebAclProps {
  /** `securecart-<profile>`. */
  readonly prefix: string;
  /** Requests per 5 minutes from one viewer address before it is blocked. */
  readonly ratePer5Min: number;
  readonly key: TierKey;
  readonly logRetentionDays: number;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The CLOUDFRONT-scope web ACL of the storefront (us-east-1, where CloudFront's web ACLs live): a
 * rate limit per viewer address (at the edge the source address is the viewer's own), then AWS's
 * IP reputation, common, known-bad-inputs and SQL injection rule groups. Logs to a KMS-encrypted
 * log group with the Authorization header redacted.
 */
export class CloudFrontWebAcl extends Construct {
  readonly webAcl: wafv2.CfnWebACL;
  readonly blockedRequests: cloudwatch.IMetric;

  constructor(scope: Construct, id: string, props: CloudFrontWebAclProps) {
    super(scope, id);
    if (Stack.of(this).region !== 'us-east-1') {
      throw new Error('A CLOUDFRONT-scope web ACL must be created in us-east-1');
    }
    const metricName = `${props.prefix}-storefront`;
    const visibility = (name: string): wafv2.CfnWebACL.VisibilityConfigProperty => ({
      cloudWatchMetricsEnabled: true,
      sampledRequestsEnabled: true,
      metricName: `${metricName}-${name}`,
    });
    this.webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      name: `${props.prefix}-storefront`,
      description: 'SecureCart storefront at CloudFront - per-viewer rate limit, AWS managed rule groups',
      scope: 'CLOUDFRONT',
      defaultAction: { allow: {} },
      visibilityConfig: { cloudWatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName },
      rules: [
        {
          name: 'RatePerViewerIp',
          priority: 0,
          action: { block: {} },
          statement: {
            rateBasedStatement: { limit: props.ratePer5Min, evaluationWindowSec: 300, aggregateKeyType: 'IP' },
          },
          visibilityConfig: visibility('rate-per-ip'),
        },
        ...MANAGED_RULE_GROUPS.map((name, i): wafv2.CfnWebACL.RuleProperty => ({
          name,
          priority: 10 + i,
          overrideAction: { none: {} },
          statement: { managedRuleGroupStatement: { vendorName: 'AWS', name } },
          visibilityConfig: visibility(name),
        })),
      ],
    });

    // WAF only delivers to log groups named aws-waf-logs-*.
    const logGroupName = `aws-waf-logs-${props.prefix}-storefront`;
    const logGroup = props.key.logGroup(this, 'Logs', {
      logGroupName,
      retentionDays: props.logRetentionDays,
      removalPolicy: props.removalPolicy,
    });
    const logging = new wafv2.CfnLoggingConfiguration(this, 'Logging', {
      resourceArn: this.webAcl.attrArn,
      logDestinationConfigs: [
        Stack.of(this).formatArn({
          service: 'logs',
          resource: 'log-group',
          resourceName: logGroupName,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      ],
      redactedFields: [{ singleHeader: { Name: 'authorization' } }],
    });
    logging.node.addDependency(logGroup);

    this.blockedRequests = new cloudwatch.Metric({
      namespace: 'AWS/WAFV2',
      metricName: 'BlockedRequests',
      dimensionsMap: { WebACL: metricName, Rule: 'ALL' },
      statistic: 'Sum',
      period: Duration.minutes(1),
      label: 'storefront WAF blocked requests',
    });
  }
}
