import { CfnOutput, Stack, StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { Profile } from '../config/profiles';
import { AuditBus } from '../constructs/audit/audit-bus';

export interface AuditStackProps extends StackProps {
  readonly profile: Profile;
}

/**
 * `SecureCart-<profile>-Audit` (ADR 28): the central audit bus the security team deploys in its own
 * account (`audit.compliance.accountId`), which receives SecureCart's compliance events. Where the
 * profile names no audit account (sandbox, localstack), it is deployed in SecureCart's account, so
 * the path from the order to the audit log runs end to end. It shares nothing with the other
 * stacks: the workload account's forwarding rule names the bus by its ARN.
 */
export class AuditStack extends Stack {
  readonly auditBus: AuditBus;

  constructor(scope: Construct, id: string, props: AuditStackProps) {
    super(scope, id, props);
    const { profile } = props;
    this.auditBus = new AuditBus(this, 'AuditBus', {
      prefix: `securecart-${profile.name}`,
      compliance: profile.audit.compliance,
      archive: profile.features.eventArchive,
      removalPolicy: profile.removalPolicy,
      alarmEmail: profile.alarmEmail,
    });
    const outputs: Record<string, string | undefined> = {
      AuditBusName: this.auditBus.bus.eventBusName,
      AuditBusArn: this.auditBus.bus.eventBusArn,
      AuditLogGroupName: this.auditBus.logGroup.logGroupName,
      AuditLogDlqUrl: this.auditBus.deadLetterQueue.queueUrl,
      AuditAlarmTopicArn: this.auditBus.opsAlarms.topic.topicArn,
      AuditArchiveName: this.auditBus.archiveName,
    };
    for (const [name, value] of Object.entries(outputs)) if (value) new CfnOutput(this, name, { value });
  }
}
