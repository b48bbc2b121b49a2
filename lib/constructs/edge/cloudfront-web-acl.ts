import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { HTTP_API } from '@securecart/contracts/http-api';
import { logWebAcl, managedRuleGroupRules, wafVisibility } from '../waf';
import { TierKey } from '../encryption';
import { Observable, OpsAlarms, RUNBOOKS } from '../ops-alarms';

/** Blocked share (%) of the edge WAF's requests at or above which customers may be locked out. */
export const EDGE_WAF_BLOCKED_ALARM_PERCENT = 25;

export interface CloudFrontWebAclProps {
  /** `securecart-<profile>`. */
  readonly prefix: string;
  /** Requests per 5 minutes from one viewer address before it is blocked. */
  readonly ratePer5Min: number;
  /** `POST /api/orders` per 5 minutes from one viewer address before it is blocked (no such rule when unset). */
  readonly createOrderRatePer5Min?: number;
  readonly key: TierKey;
  readonly logRetentionDays: number;
  readonly removalPolicy: RemovalPolicy;
}

/** The path of the create-order route (HTTP_API), as CloudFront forwards it to the REST API. */
export const CREATE_ORDER_PATH = HTTP_API.createOrder.path;

/**
 * A per-viewer rate limit on `POST /api/orders` only (ADR 22). It lives here, at the edge, where
 * the source address WAF counts is the viewer's own: the REGIONAL web ACL behind CloudFront sees
 * an edge location and can only count X-Forwarded-For's first address, which a client may forge to
 * get a fresh bucket per request. Blocking here also spares API Gateway, the ALB and the service.
 */
function createOrderRateRule(
  limit: number,
  visibility: ReturnType<typeof wafVisibility>,
): wafv2.CfnWebACL.RuleProperty {
  return {
    name: 'RateCreateOrderPerViewerIp',
    priority: 1,
    action: { block: {} },
    statement: {
      rateBasedStatement: {
        limit,
        evaluationWindowSec: 300,
        aggregateKeyType: 'IP',
        scopeDownStatement: {
          andStatement: {
            statements: [
              {
                byteMatchStatement: {
                  fieldToMatch: { method: {} },
                  positionalConstraint: 'EXACTLY',
                  searchString: 'POST',
                  textTransformations: [{ priority: 0, type: 'NONE' }],
                },
              },
              {
                // STARTS_WITH (lower-cased): a trailing slash or another case is no way around it.
                byteMatchStatement: {
                  fieldToMatch: { uriPath: {} },
                  positionalConstraint: 'STARTS_WITH',
                  searchString: CREATE_ORDER_PATH,
                  textTransformations: [{ priority: 0, type: 'LOWERCASE' }],
                },
              },
            ],
          },
        },
      },
    },
    visibilityConfig: visibility('rate-create-order-per-ip'),
  };
}

/**
 * The CLOUDFRONT-scope web ACL of the storefront (us-east-1, where CloudFront's web ACLs live): a
 * rate limit per viewer address (at the edge the source address is the viewer's own), a lower one
 * on `POST /api/orders` where the profile sets it, then AWS's
 * IP reputation, common, known-bad-inputs and SQL injection rule groups. Logs to a KMS-encrypted
 * log group with the Authorization header redacted.
 */
export class CloudFrontWebAcl extends Construct {
  readonly webAcl: wafv2.CfnWebACL;
  readonly blockedRequests: cloudwatch.IMetric;
  /** The web ACL's metric name: the WebACL dimension of its metrics (a plain string, no reference). */
  readonly metricName: string;

  constructor(scope: Construct, id: string, props: CloudFrontWebAclProps) {
    super(scope, id);
    if (Stack.of(this).region !== 'us-east-1') {
      throw new Error('A CLOUDFRONT-scope web ACL must be created in us-east-1');
    }
    const metricName = `${props.prefix}-storefront`;
    this.metricName = metricName;
    const visibility = wafVisibility(metricName);
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
        ...(props.createOrderRatePer5Min === undefined
          ? []
          : [createOrderRateRule(props.createOrderRatePer5Min, visibility)]),
        ...managedRuleGroupRules(visibility),
      ],
    });

    logWebAcl(this, this.webAcl, {
      name: `${props.prefix}-storefront`,
      key: props.key,
      retentionDays: props.logRetentionDays,
      removalPolicy: props.removalPolicy,
      redactedHeaders: ['authorization'],
    });

    this.blockedRequests = new cloudwatch.Metric({
      namespace: 'AWS/WAFV2',
      metricName: 'BlockedRequests',
      dimensionsMap: { WebACL: metricName, Rule: 'ALL' },
      statistic: 'Sum',
      period: Duration.minutes(1),
      label: 'storefront WAF blocked requests',
    });
  }

  /**
   * The edge WAF's alarms and widgets, created in `scope`, a us-east-1 stack that holds the edge
   * alarm topic (EdgeMonitoring). Metrics are found by the web ACL's metric name, so that stack
   * needs no reference to this one. Alarm: 25 % or more of at least 100 requests blocked for
   * 15 minutes (customers locked out by a rule, or an attack worth knowing about).
   */
  static observe(scope: Construct, metricName: string, alarms: OpsAlarms): Observable {
    const period = Duration.minutes(5);
    const waf = (name: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/WAFV2',
        metricName: name,
        dimensionsMap: { WebACL: metricName, Rule: 'ALL' },
        statistic: 'Sum',
        period,
        label: name,
      });
    const blocked = waf('BlockedRequests');
    const allowed = waf('AllowedRequests');
    const blockedShare = new cloudwatch.MathExpression({
      expression: `IF(allowed + blocked >= 100, 100 * blocked / (allowed + blocked), 0)`,
      usingMetrics: { allowed, blocked },
      period,
      label: 'blocked share (%)',
    });
    return {
      alarms: [
        alarms.alarm(scope, 'EdgeWafBlockedShare', {
          metric: blockedShare,
          summary: `${metricName} (CloudFront WAF): ${EDGE_WAF_BLOCKED_ALARM_PERCENT} % or more of the requests blocked for 15 minutes; customers may not reach the storefront`,
          runbook: RUNBOOKS.edgeWafBlocks,
          threshold: EDGE_WAF_BLOCKED_ALARM_PERCENT,
          evaluationPeriods: 3,
        }),
      ],
      widgets: [
        new cloudwatch.GraphWidget({
          title: 'CloudFront WAF: allowed and blocked requests',
          left: [allowed, blocked],
          right: [blockedShare],
          width: 12,
        }),
      ],
    };
  }
}
