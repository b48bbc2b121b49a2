import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { InternalDomain, Profile } from '../../config/profiles';
import { TierKey } from '../encryption';
import { OpsAlarms } from '../ops-alarms';
import type { OriginVerifySecret } from './origin-verify';

/**
 * The props of CheckoutService (checkout-service.ts), which it hands to its pieces (checkout-task.ts,
 * telemetry-sidecar.ts, internal-load-balancer.ts, checkout-monitoring.ts). They live here, not in
 * checkout-service.ts, so no piece imports the construct that imports it (no import circle).
 */
export interface CheckoutServiceProps {
  /** `securecart-<profile>`: the prefix of physical names. */
  readonly prefix: string;
  readonly profileName: string;
  readonly vpc: ec2.IVpc;
  /** The app subnets: the tasks, the ALB and the bootstrap task run here. */
  readonly subnets: ec2.SubnetSelection;
  /** The tasks' security group (from the Network stack; the database admits it). */
  readonly securityGroup: ec2.ISecurityGroup;
  readonly sizing: Profile['checkout'];
  readonly image: ecs.ContainerImage;
  readonly catalogTable: dynamodb.ITable;
  readonly cartsTable: dynamodb.ITable;
  /** The clickstream's aggregates: GET .../recommendations and .../popular read them (Query, GetItem). */
  readonly productAffinityTable: dynamodb.ITable;
  readonly ordersQueue: sqs.IQueue;
  readonly orderStatusQueue: sqs.IQueue;
  readonly database: { readonly instance: rds.DatabaseInstance; readonly replica?: rds.IDatabaseInstance };
  readonly userPoolId: string;
  readonly userPoolClientId: string;
  /**
   * TLS behind API Gateway (ADR 21): an HTTPS listener with a certificate for this name, HTTPS to
   * the tasks (their self-signed certificates). None: HTTP inside the VPC.
   */
  readonly backendTls?: InternalDomain;
  /** Only requests carrying this header reach the service through the ALB. */
  readonly originVerify: OriginVerifySecret;
  /** The Api tier key: container, bootstrap and nothing else's logs. */
  readonly key: TierKey;
  readonly alarms: OpsAlarms;
  readonly logRetentionDays: number;
  readonly removalPolicy: RemovalPolicy;
  readonly deletionProtection: boolean;
}

/** What the checkout service's monitoring reads of the construct (CheckoutService has each). */
export interface CheckoutServiceResources {
  readonly cluster: ecs.ICluster;
  readonly service: ecs.FargateService;
  readonly targetGroup: elbv2.ApplicationTargetGroup;
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
}
