import { CfnOutput, Stack, StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { Profile } from '../config/profiles';
import { CloudFrontWebAcl } from '../constructs/edge/cloudfront-web-acl';
import { StorefrontEdgeAlarms } from '../constructs/edge/storefront-edge-alarms';
import { ALARMS_OF_THIS_ACCOUNT, TierKey } from '../constructs/encryption';
import { Observable, OpsAlarms } from '../constructs/ops-alarms';

export interface EdgeMonitoringStackProps extends StackProps {
  readonly profile: Profile;
  /** The storefront distribution's id (Frontend stack, the app's region: a weak cross-region reference). */
  readonly distributionId: string;
  /** The edge web ACL's metric name, where the profile runs one (EdgeSecurity). */
  readonly webAclMetricName?: string;
}

/**
 * us-east-1, after Frontend: the alarms on what only exists there, CloudFront's metrics (the
 * storefront's 5xx rate) and the CLOUDFRONT-scope WAF's (blocked share), and the encrypted topic
 * they notify (an alarm's actions must be in its region), subscribed like the ops topic. It is a
 * stack of its own because CloudFront's alarm needs the distribution id from Frontend, which
 * itself depends on EdgeSecurity (docs/adr/0015-monitoring.md).
 */
export class EdgeMonitoringStack extends Stack implements Observable {
  readonly edgeAlarms: OpsAlarms;
  readonly alarms: cloudwatch.IAlarm[];
  readonly widgets: cloudwatch.IWidget[];

  constructor(scope: Construct, id: string, props: EdgeMonitoringStackProps) {
    super(scope, id, props);
    const { profile } = props;
    const prefix = `securecart-${profile.name}`;
    const key = new TierKey(this, 'EdgeAlarmsKey', {
      aliasName: `${prefix}-edge-alarms`,
      description: `SecureCart ${profile.name}: the us-east-1 (edge) alarm topic`,
      removalPolicy: profile.removalPolicy,
    });
    key.allowServiceDeliveries('cloudwatch.amazonaws.com', [ALARMS_OF_THIS_ACCOUNT]); // alarm actions publish to the topic
    this.edgeAlarms = new OpsAlarms(this, 'AlarmTopic', {
      topicName: `${prefix}-edge-alarms`,
      masterKey: key.key,
      email: profile.alarmEmail,
    });
    const flows: Observable[] = [
      new StorefrontEdgeAlarms(this, 'Storefront', {
        prefix,
        distributionId: props.distributionId,
        alarms: this.edgeAlarms,
      }),
      ...(props.webAclMetricName ? [CloudFrontWebAcl.observe(this, props.webAclMetricName, this.edgeAlarms)] : []),
    ];
    this.alarms = flows.flatMap((f) => f.alarms);
    this.widgets = flows.flatMap((f) => f.widgets);
    new CfnOutput(this, 'EdgeAlarmTopicArn', { value: this.edgeAlarms.topic.topicArn });
  }
}
