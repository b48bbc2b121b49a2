import { CfnOutput, Stack, StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { Profile } from '../config/profiles';
import { CheckoutService } from '../constructs/api/checkout-service';
import { Identity } from '../constructs/api/identity';
import { OriginHeaderParties, OriginVerifySecret } from '../constructs/api/origin-verify';
import { ORIGIN_VERIFY_RULE_NAME, RegionalWaf } from '../constructs/api/regional-waf';
import { CheckoutRestApi } from '../constructs/api/rest-api';
import { CheckoutServiceImage } from '../constructs/api/service-image';
import { UserPoolWaf } from '../constructs/api/user-pool-waf';
import { TierKey } from '../constructs/encryption';
import { Observable, OpsAlarms } from '../constructs/ops-alarms';
import { PostgresDatabase } from '../constructs/postgres-database';
import { SUBNETS } from './network-stack';

export interface ApiStackProps extends StackProps {
  readonly profile: Profile;
  readonly vpc: ec2.IVpc;
  /** The tasks' security group, created in the Network stack so the Data stack can admit it (ADR 13). */
  readonly serviceSecurityGroup: ec2.ISecurityGroup;
  readonly catalogTable: dynamodb.ITable;
  readonly cartsTable: dynamodb.ITable;
  readonly database: PostgresDatabase;
  /** orders.fifo: the outbox relay sends here. */
  readonly ordersQueue: sqs.IQueue;
  /** The order-status subscription of OrderEvents: the status consumer reads here. */
  readonly orderStatusQueue: sqs.IQueue;
  /** The ops topic (Pipeline stack) every alarm notifies. */
  readonly alarms: OpsAlarms;
  /** The clickstream (Pipeline stack): POST /api/events puts into it. */
  readonly clickstream: kinesis.IStream;
  /** ProductAffinity (Data stack): the service reads recommendations from it. */
  readonly productAffinityTable: dynamodb.ITable;
}

/**
 * The application tier (ADR 13): the customer user pool (Identity), the checkout service on ECS
 * Fargate behind an internal ALB (CheckoutService, its image built at deploy time), the regional
 * REST API reaching the ALB over a VPC link v2 (CheckoutRestApi), and a REGIONAL WAF where the
 * profile enables it. This stack only wires the constructs together.
 */
export class ApiStack extends Stack implements Observable {
  readonly identity: Identity;
  readonly originVerify: OriginVerifySecret;
  readonly checkout: CheckoutService;
  readonly restApi: CheckoutRestApi;
  readonly waf?: RegionalWaf;
  /** What the origin secret's rotation (Frontend stack) updates: the acceptors of the header (ADR 21). */
  readonly originHeaderParties: OriginHeaderParties;
  /** The user pool's REGIONAL web ACL (profile identity.waf). */
  readonly userPoolWaf?: UserPoolWaf;
  readonly alarms: cloudwatch.IAlarm[];
  readonly widgets: cloudwatch.IWidget[];

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    const { profile } = props;
    const prefix = `securecart-${profile.name}`;
    const { removalPolicy, logRetentionDays } = profile;
    const key = new TierKey(this, 'ApiKey', {
      aliasName: `${prefix}-api`,
      description: `SecureCart ${profile.name}: API and checkout service logs, the origin header secret`,
      removalPolicy,
    });
    const subnets = { subnetGroupName: SUBNETS.app };

    this.identity = new Identity(this, 'Identity', {
      prefix,
      profileName: profile.name,
      threatProtection: profile.identity.threatProtection,
      storefrontOrigins: profile.identity.storefrontOrigins,
      deletionProtection: profile.deletionProtection,
      removalPolicy,
    });
    if (profile.identity.waf) {
      this.userPoolWaf = new UserPoolWaf(this, 'UserPoolWaf', {
        prefix,
        userPool: this.identity.userPool,
        accountTakeoverProtection: profile.identity.accountTakeoverProtection,
        key,
        logRetentionDays,
        removalPolicy,
      });
    }
    this.originVerify = new OriginVerifySecret(this, 'OriginVerify', {
      prefix,
      profileName: profile.name,
      key: key.key,
      removalPolicy,
    });
    const image = new CheckoutServiceImage(this, 'CheckoutImage', {
      prefix,
      removalPolicy,
      logs: { key, retentionDays: logRetentionDays, removalPolicy },
    });
    this.checkout = new CheckoutService(this, 'Checkout', {
      prefix,
      profileName: profile.name,
      vpc: props.vpc,
      subnets,
      securityGroup: props.serviceSecurityGroup,
      sizing: profile.checkout,
      image: image.image,
      catalogTable: props.catalogTable,
      cartsTable: props.cartsTable,
      productAffinityTable: props.productAffinityTable,
      ordersQueue: props.ordersQueue,
      orderStatusQueue: props.orderStatusQueue,
      database: { instance: props.database.instance, replica: props.database.replica },
      userPoolId: this.identity.userPool.userPoolId,
      userPoolClientId: this.identity.client.userPoolClientId,
      originVerify: this.originVerify,
      backendTls: profile.api.backendTls ? profile.api.internalDomain : undefined,
      key,
      alarms: props.alarms,
      logRetentionDays,
      removalPolicy,
      deletionProtection: profile.deletionProtection,
    });
    this.restApi = new CheckoutRestApi(this, 'RestApi', {
      prefix,
      profileName: profile.name,
      vpc: props.vpc,
      subnets,
      loadBalancer: this.checkout.loadBalancer,
      listenerPort: this.checkout.listenerPort,
      integrationOrigin: this.checkout.origin,
      userPool: this.identity.userPool,
      throttle: profile.api.throttle,
      createOrderThrottle: profile.api.createOrderThrottle,
      clickstream: { stream: props.clickstream, putThrottle: profile.clickstream.putThrottle },
      key,
      alarms: props.alarms,
      logRetentionDays,
      removalPolicy,
    });
    if (profile.api.waf) {
      this.waf = new RegionalWaf(this, 'RegionalWaf', {
        prefix,
        stageArn: this.restApi.stageArn,
        originVerifyValue: this.originVerify.value,
        ratePer5Min: profile.api.wafRateLimitPer5Min,
        key,
        logRetentionDays,
        removalPolicy,
      });
    } else {
      // Without WAF the origin header is still required by every method and checked by the ALB listener.
      this.restApi.acknowledgeNoWaf(profile.name);
    }

    this.originHeaderParties = {
      secretArn: this.originVerify.secret.secretArn,
      secretKeyArn: key.key.keyArn,
      headerName: this.originVerify.headerName,
      listenerRuleArn: this.checkout.originRule.listenerRuleArn,
      webAcl: this.waf && {
        name: this.waf.webAcl.name!,
        id: this.waf.webAcl.attrId,
        arn: this.waf.webAcl.attrArn,
        ruleName: ORIGIN_VERIFY_RULE_NAME,
      },
    };

    const flows: Observable[] = [this.restApi, this.checkout, ...(this.waf ? [this.waf] : [])];
    this.alarms = flows.flatMap((f) => f.alarms);
    this.widgets = flows.flatMap((f) => f.widgets);
    this.addOutputs();
  }

  private addOutputs() {
    const outputs: Record<string, string> = {
      ApiUrl: this.restApi.api.url,
      UserPoolId: this.identity.userPool.userPoolId,
      UserPoolClientId: this.identity.client.userPoolClientId,
      UserPoolDomain: this.identity.domain.baseUrl(),
      AuthIssuer: this.identity.issuer,
      LoadBalancerDnsName: this.checkout.loadBalancer.loadBalancerDnsName,
      OriginVerifySecretArn: this.originVerify.secret.secretArn,
      CheckoutClusterName: this.checkout.cluster.clusterName,
      CheckoutServiceName: this.checkout.service.serviceName,
    };
    for (const [name, value] of Object.entries(outputs)) new CfnOutput(this, name, { value });
  }
}
