import { RemovalPolicy } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import { Profile } from '../../config/profiles';
import { TierKey } from '../encryption';
import { OpsAlarms } from '../ops-alarms';

/**
 * The props of CheckoutRestApi (rest-api.ts), which it hands to its monitoring
 * (rest-api-monitoring.ts). They live here, not in rest-api.ts, so the monitoring does not import
 * the construct that imports it (no import circle).
 */
export interface CheckoutRestApiProps {
  /** `securecart-<profile>`. */
  readonly prefix: string;
  readonly profileName: string;
  readonly vpc: ec2.IVpc;
  /** Where the VPC link's network interfaces live (the app subnets, next to the ALB). */
  readonly subnets: ec2.SubnetSelection;
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  readonly listenerPort: number;
  /**
   * What the integrations call: `https://<internal name>` (backend TLS: API Gateway verifies the
   * ALB's certificate against that name, which is also the SNI and the Host) or `http://<ALB DNS>`.
   */
  readonly integrationOrigin: string;
  readonly userPool: cognito.IUserPool;
  readonly throttle: Profile['api']['throttle'];
  readonly createOrderThrottle: Profile['api']['createOrderThrottle'];
  /** POST /api/events: the stream it puts into and its method throttling (profile clickstream.putThrottle). */
  readonly clickstream: {
    readonly stream: kinesis.IStream;
    readonly putThrottle: Profile['clickstream']['putThrottle'];
  };
  /** The Api tier key: the access log group. */
  readonly key: TierKey;
  readonly alarms: OpsAlarms;
  readonly logRetentionDays: number;
  readonly removalPolicy: RemovalPolicy;
}
