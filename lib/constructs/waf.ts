import { ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { TierKey } from './encryption';

/** AWS managed rule groups of every SecureCart web ACL, in evaluation order after its own rules. */
export const MANAGED_RULE_GROUPS = [
  'AWSManagedRulesAmazonIpReputationList',
  'AWSManagedRulesCommonRuleSet',
  'AWSManagedRulesKnownBadInputsRuleSet',
  'AWSManagedRulesSQLiRuleSet',
] as const;

type Visibility = (ruleName: string) => wafv2.CfnWebACL.VisibilityConfigProperty;

/** CloudWatch metrics and sampled requests for a rule, named `<webAclMetricName>-<ruleName>`. */
export const wafVisibility =
  (webAclMetricName: string): Visibility =>
  (ruleName) => ({
    cloudWatchMetricsEnabled: true,
    sampledRequestsEnabled: true,
    metricName: `${webAclMetricName}-${ruleName}`,
  });

/** The managed rule groups as rules, from priority 10 on (a web ACL's own rules come first). */
export function managedRuleGroupRules(
  visibility: Visibility,
  groups: readonly string[] = MANAGED_RULE_GROUPS,
): wafv2.CfnWebACL.RuleProperty[] {
  return groups.map((name, i) => ({
    name,
    priority: 10 + i,
    overrideAction: { none: {} },
    statement: { managedRuleGroupStatement: { vendorName: 'AWS', name } },
    visibilityConfig: visibility(name),
  }));
}

export interface WebAclLogsProps {
  /** After `aws-waf-logs-`: WAF only delivers to log groups named so. */
  readonly name: string;
  readonly key: TierKey;
  readonly retentionDays: number;
  readonly removalPolicy: RemovalPolicy;
  /** Headers whose values never reach the logs. */
  readonly redactedHeaders: readonly string[];
}

/** Sends a web ACL's logs to a KMS-encrypted log group (`Logs`, `Logging` in `scope`). */
export function logWebAcl(scope: Construct, webAcl: wafv2.CfnWebACL, props: WebAclLogsProps): void {
  const logGroupName = `aws-waf-logs-${props.name}`;
  const logGroup = props.key.logGroup(scope, 'Logs', {
    logGroupName,
    retentionDays: props.retentionDays,
    removalPolicy: props.removalPolicy,
  });
  const logging = new wafv2.CfnLoggingConfiguration(scope, 'Logging', {
    resourceArn: webAcl.attrArn,
    // The log group's ARN without the ":*" suffix GetAtt returns.
    logDestinationConfigs: [
      Stack.of(scope).formatArn({
        service: 'logs',
        resource: 'log-group',
        resourceName: logGroupName,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
    ],
    redactedFields: props.redactedHeaders.map((Name) => ({ singleHeader: { Name } })),
  });
  logging.node.addDependency(logGroup);
}
