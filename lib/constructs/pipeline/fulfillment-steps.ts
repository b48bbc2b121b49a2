import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { HANDLER_ENV, ScreeningPolicy } from '@securecart/contracts';
import type { PaymentProviderName } from '@securecart/contracts/payment';
import { acknowledge } from '../nag';
import { Observable } from '../ops-alarms';
import { PipelineFunction } from '../pipeline-function';
import { OrderClaims } from './order-claims';
import { durationWidget, PipelineBaseProps, pipelineFunction } from './base';

/** The Lambda-backed steps of the workflow; each is `lambda/<step>/`. */
const WORKFLOW_STEPS = [
  'validate-order',
  'process-payment',
  'reserve-inventory',
  'create-invoice',
  'create-shipment',
  'commit-shipment',
  'cancel-shipment',
  'refund-payment',
  'release-inventory',
] as const;
export type WorkflowStep = (typeof WORKFLOW_STEPS)[number];

export interface FulfillmentStepsProps extends PipelineBaseProps {
  readonly catalogTable: dynamodb.ITable;
  readonly idempotencyTable: dynamodb.ITable;
  /** reserve-inventory announces low stock here. */
  readonly bus: events.IEventBus;
  readonly screening: ScreeningPolicy;
  /** The payment-token and address claims: payment and shipment steps read them, payment and refund delete them. */
  readonly claims: OrderClaims;
  /** The profile's payment provider (ADR 20). */
  readonly payments: { readonly provider: PaymentProviderName };
  readonly profileName: string;
}

/**
 * The workflow's step handlers and exactly what each may touch: the DynamoDB item actions it
 * calls on the tables it uses (read-only key grants for readers), and PutEvents for the one that
 * announces low stock. Errors and throttles of all steps on one widget.
 */
export class FulfillmentSteps extends Construct implements Observable {
  readonly handlers: Record<WorkflowStep, lambda.IFunction>;
  /** stripe: the secret that holds the Stripe secret API key (only the payment steps may read it). */
  readonly paymentProviderSecret?: secretsmanager.Secret;
  readonly alarms: cloudwatch.IAlarm[] = [];
  readonly widgets: cloudwatch.IWidget[];

  constructor(scope: Construct, id: string, props: FulfillmentStepsProps) {
    super(scope, id);
    const catalog = { [HANDLER_ENV.catalogTable]: props.catalogTable.tableName };
    const idempotency = { [HANDLER_ENV.idempotencyTable]: props.idempotencyTable.tableName };
    const step = (name: WorkflowStep, description: string, environment: Record<string, string>) =>
      pipelineFunction(this, props, name, description, environment);
    this.paymentProviderSecret = props.payments.provider === 'stripe' ? this.stripeSecret(props) : undefined;
    const payments = {
      ...idempotency,
      [HANDLER_ENV.paymentProviderTimeoutMs]: '3000',
      [HANDLER_ENV.paymentProvider]: props.payments.provider,
      ...(this.paymentProviderSecret
        ? { [HANDLER_ENV.paymentProviderSecretArn]: this.paymentProviderSecret.secretArn }
        : {}),
    };

    const steps: Record<WorkflowStep, PipelineFunction> = {
      'validate-order': step('validate-order', 'Validates an order and prices it from the catalog', {
        ...catalog,
        [HANDLER_ENV.highValueThresholdCents]: String(props.screening.highValueThresholdCents),
        [HANDLER_ENV.allowedShippingCountries]: props.screening.allowedShippingCountries.join(','),
      }),
      'process-payment': step(
        'process-payment',
        'Charges the order through the payment provider (idempotent by order id)',
        { ...payments, ...props.claims.environment },
      ),
      'reserve-inventory': step('reserve-inventory', 'Reserves stock for an order; emits InventoryLow', {
        ...catalog,
        ...idempotency,
        [HANDLER_ENV.eventBusName]: props.bus.eventBusName,
      }),
      'create-invoice': step('create-invoice', 'Creates the order invoice', idempotency),
      'create-shipment': step('create-shipment', 'Books one shipment with the carrier and records its label', {
        ...idempotency,
        ...props.claims.environment,
      }),
      'commit-shipment': step('commit-shipment', "Makes a picked-up shipment's stock reservations final", catalog),
      'cancel-shipment': step(
        'cancel-shipment',
        "Voids a failed package's carrier label (ShipOrder's compensation)",
        idempotency,
      ),
      'refund-payment': step('refund-payment', 'Refunds a charged order (saga compensation)', {
        ...payments,
        ...props.claims.environment,
      }),
      'release-inventory': step('release-inventory', "Releases an order's stock reservation (saga compensation)", {
        ...catalog,
        ...idempotency,
      }),
    };

    steps['validate-order'].grantTableItems(props.catalogTable, 'BatchGetItem');
    steps['reserve-inventory'].grantTableItems(props.catalogTable, 'GetItem', 'UpdateItem');
    steps['release-inventory'].grantTableItems(props.catalogTable, 'UpdateItem');
    // The release marker (lambda/shared/release-marker.ts): release writes it, reserve reads it.
    steps['reserve-inventory'].grantTableItems(props.idempotencyTable, 'GetItem');
    steps['release-inventory'].grantTableItems(props.idempotencyTable, 'PutItem');
    steps['commit-shipment'].grantTableItems(props.catalogTable, 'UpdateItem');
    steps['cancel-shipment'].grantTableItems(props.idempotencyTable, 'GetItem', 'PutItem');
    for (const name of ['process-payment', 'refund-payment', 'create-invoice', 'create-shipment'] as const) {
      steps[name].grantTableItems(props.idempotencyTable, 'GetItem', 'PutItem', 'UpdateItem');
    }
    props.bus.grantPutEventsTo(steps['reserve-inventory'].fn);
    // Claims (ADR 19): only the payment step reads the token, only the shipment step the address.
    props.claims.grant(steps['process-payment'].fn, 'read', ['payment']);
    props.claims.grant(steps['process-payment'].fn, 'delete', ['payment', 'shipping']);
    props.claims.grant(steps['create-shipment'].fn, 'read', ['shipping']);
    props.claims.grant(steps['refund-payment'].fn, 'delete', ['payment', 'shipping']);
    // The provider's key: the two payment steps read it, nothing else.
    this.paymentProviderSecret?.grantRead(steps['process-payment'].role);
    this.paymentProviderSecret?.grantRead(steps['refund-payment'].role);

    const handlers = {} as Record<WorkflowStep, lambda.IFunction>;
    for (const name of WORKFLOW_STEPS) handlers[name] = steps[name].fn;
    this.handlers = handlers;
    this.widgets = [
      new cloudwatch.GraphWidget({
        title: 'Fulfillment steps: errors and throttles',
        left: WORKFLOW_STEPS.flatMap((s) => steps[s].metrics()),
        width: 12,
      }),
      durationWidget(
        'Fulfillment steps: duration p99 (ms)',
        WORKFLOW_STEPS.map((s) => steps[s]),
      ),
    ];
  }

  /**
   * The Stripe secret API key's secret, encrypted with the pipeline key. Created with a random
   * placeholder that is not a Stripe key (the handlers refuse it): the operator puts the real key
   * in with `put-secret-value` (README). Rolled in Stripe's dashboard, then put in again; the
   * handlers cache it 5 minutes (ADR 20).
   */
  private stripeSecret(props: FulfillmentStepsProps): secretsmanager.Secret {
    const secret = new secretsmanager.Secret(this, 'PaymentProviderSecret', {
      secretName: `securecart/${props.profileName}/payments/stripe-secret-key`,
      description: `SecureCart ${props.profileName}: the Stripe secret API key (sk_live_… or a restricted rk_live_… key) for process-payment and refund-payment`,
      encryptionKey: props.key.key,
      generateSecretString: { passwordLength: 32, excludePunctuation: true, includeSpace: false },
      removalPolicy: props.removalPolicy,
    });
    acknowledge(secret, {
      'AwsSolutions-SMG4':
        "Stripe secret keys are rolled in Stripe's dashboard (Developers → API keys → Roll key), which no rotation Lambda can do without a key that can roll keys; the new key is put in with put-secret-value and reaches every handler within the 5-minute cache (ADR 20).",
    });
    return secret;
  }
}
