import { CfnOutput, Stack, StackProps } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { Profile } from '../config/profiles';
import { ALARMS_OF_THIS_ACCOUNT, TierKey } from '../constructs/encryption';
import { Clickstream } from '../constructs/clickstream/clickstream';
import { OpsAlarms } from '../constructs/ops-alarms';
import { PipelineBaseProps } from '../constructs/pipeline/base';
import { ComplianceForwarding } from '../constructs/pipeline/compliance-forwarding';
import { EventRouting } from '../constructs/pipeline/event-routing';
import { CartReminders } from '../constructs/pipeline/cart-reminders';
import { FulfillmentSteps } from '../constructs/pipeline/fulfillment-steps';
import { FulfillmentWorkflow } from '../constructs/pipeline/fulfillment-workflow';
import { OrderEventsFanOut } from '../constructs/pipeline/order-events-fan-out';
import { OrderClaims } from '../constructs/pipeline/order-claims';
import { OrderIntake } from '../constructs/pipeline/order-intake';
import { ShipOrder } from '../constructs/pipeline/ship-order';

export interface PipelineStackProps extends StackProps {
  readonly profile: Profile;
  readonly catalogTable: dynamodb.ITable;
  readonly idempotencyTable: dynamodb.ITable;
  /** The clickstream consumer's aggregates (Data stack). */
  readonly productAffinityTable: dynamodb.ITable;
  /** The checkout service's carts: cart-reminder reads them (CartReminders). */
  readonly cartsTable: dynamodb.ITable;
}

/**
 * The order pipeline (docs/architecture.md): OrderIntake → FulfillmentWorkflow (its steps in
 * FulfillmentSteps) → OrderEventsFanOut, with EventRouting for fraud screening and restock; and
 * the Clickstream (the Kinesis stream of customer activity and its consumer, issue 21).
 * No VPC, so LocalStack can host it. This stack only wires the flows together.
 */
export class PipelineStack extends Stack {
  readonly alarms: OpsAlarms;
  readonly intake: OrderIntake;
  readonly steps: FulfillmentSteps;
  readonly workflow: FulfillmentWorkflow;
  readonly shipOrder: ShipOrder;
  readonly orderEvents: OrderEventsFanOut;
  readonly routing: EventRouting;
  readonly claims: OrderClaims;
  /** The clickstream (issue 21): the Kinesis stream and its consumer. */
  readonly clickstream: Clickstream;
  readonly cartReminders: CartReminders;
  /** Compliance events to the central audit bus (ADR 28). */
  readonly compliance: ComplianceForwarding;

  constructor(scope: Construct, id: string, props: PipelineStackProps) {
    super(scope, id, props);
    const { profile, catalogTable, idempotencyTable, cartsTable } = props;
    const prefix = `securecart-${profile.name}`;
    const { removalPolicy, logRetentionDays } = profile;
    const key = new TierKey(this, 'PipelineKey', {
      aliasName: `${prefix}-pipeline`,
      description: `SecureCart ${profile.name}: order queues, topics and pipeline logs`,
      removalPolicy,
    });
    // Topics get their own key: SNS-to-SQS delivery adds a statement naming each topic to the
    // queues' key policy, which would be a cycle if the topics used that same key.
    const topicKey = new TierKey(this, 'TopicKey', {
      aliasName: `${prefix}-topics`,
      description: `SecureCart ${profile.name}: OrderEvents and ops alarm topics`,
      removalPolicy,
    });
    topicKey.allowServiceDeliveries('cloudwatch.amazonaws.com', [ALARMS_OF_THIS_ACCOUNT]); // alarm actions publish to the ops topic
    this.alarms = new OpsAlarms(this, 'AlarmTopic', {
      topicName: `${prefix}-ops-alarms`,
      masterKey: topicKey.key,
      email: profile.alarmEmail,
    });
    const base: PipelineBaseProps = { prefix, key, alarms: this.alarms, removalPolicy, logRetentionDays };
    const screening = profile.screening;

    this.routing = new EventRouting(this, 'EventRouting', {
      ...base,
      catalogTable,
      screening,
      archive: profile.features.eventArchive,
      schemaRegistry: profile.features.schemaRegistry,
    });
    // The payment token and the address, kept out of the workflow's state data (ADR 19).
    this.claims = new OrderClaims(this, 'OrderClaims', base);
    this.steps = new FulfillmentSteps(this, 'FulfillmentSteps', {
      ...base,
      catalogTable,
      idempotencyTable,
      claims: this.claims,
      bus: this.routing.bus,
      screening,
      payments: profile.payments,
      profileName: profile.name,
    });
    this.orderEvents = new OrderEventsFanOut(this, 'OrderEvents', { ...base, topicKey, email: profile.alarmEmail });
    // Shipping, a sub-workflow per package (docs/adr/0029).
    this.shipOrder = new ShipOrder(this, 'ShipOrder', {
      ...base,
      stateMachineName: `${prefix}-ShipOrder`,
      createShipment: this.steps.handlers['create-shipment'],
      commitShipment: this.steps.handlers['commit-shipment'],
      cancelShipment: this.steps.handlers['cancel-shipment'],
      bus: this.routing.bus,
      targetDlq: this.routing.targetDlq,
      waits: profile.workflow,
    });
    this.workflow = new FulfillmentWorkflow(this, 'OrderFulfillment', {
      ...base,
      stateMachineName: `${prefix}-OrderFulfillment`,
      handlers: this.steps.handlers,
      orderEvents: this.orderEvents,
      bus: this.routing.bus,
      fraudScreenTimeout: screening.fraudScreenTimeout,
      waits: profile.workflow,
      shipOrder: this.shipOrder,
    });
    this.routing.answerScreeningFor(this.workflow.stateMachine, key);
    this.intake = new OrderIntake(this, 'OrderIntake', {
      ...base,
      stateMachine: this.workflow.stateMachine,
      claims: this.claims,
    });
    this.clickstream = new Clickstream(this, 'Clickstream', {
      ...base,
      stream: profile.clickstream.stream,
      affinityTable: props.productAffinityTable,
    });
    // Abandoned-cart reminders (docs/adr/0030): delayed messages from the checkout service, CartAbandoned to notifications.
    this.cartReminders = new CartReminders(this, 'CartReminders', {
      ...base,
      cartsTable,
      bus: this.routing.bus,
      notificationsQueue: this.orderEvents.queues.notifications.queue,
      targetDlq: this.routing.targetDlq,
      delay: profile.cartReminders.delay,
    });
    this.compliance = new ComplianceForwarding(this, 'ComplianceForwarding', {
      ...base,
      bus: this.routing.bus,
      audit: profile.audit.compliance,
      emitters: [this.steps.handlers['refund-payment'], this.intake.handler],
    });
    this.addOutputs(props);
  }

  /** Outputs for operators and the smoke suite. */
  private addOutputs({ catalogTable, idempotencyTable, productAffinityTable, profile }: PipelineStackProps) {
    const queues = this.orderEvents.queues;
    const outputs: Record<string, string | undefined> = {
      OrdersQueueUrl: this.intake.orders.queue.queueUrl,
      OrdersDlqUrl: this.intake.orders.deadLetterQueue.queueUrl,
      OrderStatusQueueUrl: queues.orderStatus.queue.queueUrl,
      NotificationsQueueUrl: queues.notifications.queue.queueUrl,
      AnalyticsQueueUrl: queues.analytics.queue.queueUrl,
      StatusRedeliveryQueueUrl: this.orderEvents.redelivery.queue.queue.queueUrl,
      StatusRedeliveryDlqUrl: this.orderEvents.redelivery.queue.deadLetterQueue.queueUrl,
      EventTargetsDlqUrl: this.routing.targetDlq.queueUrl,
      CartRemindersQueueUrl: this.cartReminders.queue.queue.queueUrl,
      CartRemindersDlqUrl: this.cartReminders.queue.deadLetterQueue.queueUrl,
      CartReminderDelaySeconds: String(profile.cartReminders.delay.toSeconds()),
      ComplianceForwardingDlqUrl: this.compliance.deadLetterQueue.queue.queueUrl,
      AuditBusArn: this.compliance.auditBusArn,
      OrderEventsTopicArn: this.orderEvents.topic.topicArn,
      AlarmTopicArn: this.alarms.topic.topicArn,
      EventBusName: this.routing.bus.eventBusName,
      StateMachineArn: this.workflow.stateMachine.stateMachineArn,
      ShipOrderStateMachineArn: this.shipOrder.stateMachine.stateMachineArn,
      CatalogTableName: catalogTable.tableName,
      IdempotencyTableName: idempotencyTable.tableName,
      OrderClaimsTableName: this.claims.table.tableName,
      SchemaRegistryName: this.routing.schemaRegistryName,
      ClickstreamStreamName: this.clickstream.stream.streamName,
      ClickstreamDlqUrl: this.clickstream.onFailure.queue.queueUrl,
      ProductAffinityTableName: productAffinityTable.tableName,
    };
    for (const [name, value] of Object.entries(outputs)) if (value) new CfnOutput(this, name, { value });
  }
}
