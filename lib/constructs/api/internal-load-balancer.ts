import { Aws, CfnResource, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as route53Targets from 'aws-cdk-lib/aws-route53-targets';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { InternalDomain } from '../../config/profiles';
import { acknowledge } from '../nag';
import type { CheckoutServiceProps } from './checkout-service-props';
import { CHECKOUT_CONTAINER_PORT, HEALTH_PATHS, STOP_TIMEOUT } from './checkout-task';

/** The port of the internal ALB's listener without backend TLS (HTTP inside the VPC; ADR 13). */
export const ALB_LISTENER_PORT = 80;
/** The port of its HTTPS listener where the profile has `api.backendTls` (ADR 21). */
export const ALB_TLS_LISTENER_PORT = 443;

export interface InternalLoadBalancerTargets {
  /** The Fargate service the listener forwards to. */
  readonly service: ecs.FargateService;
  /** The tasks' (immutable, imported) security group: it gets its one ingress rule, from the ALB. */
  readonly tasksSecurityGroup: ec2.ISecurityGroup;
}

export interface InternalLoadBalancer {
  readonly accessLogs: s3.Bucket;
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  readonly listener: elbv2.ApplicationListener;
  readonly targetGroup: elbv2.ApplicationTargetGroup;
  /** The rule that forwards requests carrying the origin header (its values are rotated; ADR 21). */
  readonly originRule: elbv2.ApplicationListenerRule;
  /** The listener's port: ALB_TLS_LISTENER_PORT with backend TLS, else ALB_LISTENER_PORT. */
  readonly listenerPort: number;
  /** Where API Gateway sends requests: `https://<internal name>` with backend TLS, else `http://<ALB DNS name>`. */
  readonly origin: string;
}

/**
 * The internal ALB in front of the service, created in `scope` (the CheckoutService): its access
 * log bucket, its security group, the listener (a fixed 403 by default; only requests carrying the
 * origin header reach the service), the target group with the readiness check, and the tasks'
 * ingress rule from the ALB.
 *
 * With `backendTls` (prod, ADR 21) the listener is HTTPS (TLS 1.2+, ACM certificate for the internal
 * name, DNS-validated in the profile's public zone; a private hosted zone of that name points at
 * the ALB inside the VPC) and the target group speaks HTTPS to the tasks, health check included.
 * The ALB does not verify its targets' certificates (the tasks serve self-signed ones): the hop
 * is encrypted, and the tasks are authenticated by the security group chain, not by a certificate.
 * Without it (sandbox), HTTP on both hops inside the VPC.
 */
export function createInternalLoadBalancer(
  scope: Construct,
  props: CheckoutServiceProps,
  { service, tasksSecurityGroup }: InternalLoadBalancerTargets,
): InternalLoadBalancer {
  const accessLogs = createAccessLogBucket(scope, props);
  const securityGroup = new ec2.SecurityGroup(scope, 'LoadBalancerSecurityGroup', {
    vpc: props.vpc,
    description: `SecureCart ${props.profileName} internal ALB: in from the API Gateway VPC link only, out to the checkout tasks only`,
    allowAllOutbound: false,
  });
  const loadBalancer = new elbv2.ApplicationLoadBalancer(scope, 'LoadBalancer', {
    vpc: props.vpc,
    vpcSubnets: props.subnets,
    internetFacing: false,
    securityGroup,
    dropInvalidHeaderFields: true,
    deletionProtection: props.deletionProtection,
    idleTimeout: Duration.seconds(60),
  });
  enableAccessLogs(loadBalancer, accessLogs, 'alb');
  const tls = props.backendTls;
  const defaultAction = elbv2.ListenerAction.fixedResponse(403, {
    contentType: 'application/json',
    messageBody: JSON.stringify({ statusCode: 403, error: 'Forbidden', message: 'Use the storefront API' }),
  });
  // Ingress comes from the VPC link's security group only (CheckoutRestApi), never 0.0.0.0/0.
  const listener = tls
    ? loadBalancer.addListener('Https', {
        protocol: elbv2.ApplicationProtocol.HTTPS,
        port: ALB_TLS_LISTENER_PORT,
        certificates: [internalCertificate(scope, props.vpc, loadBalancer, tls)],
        sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
        open: false,
        defaultAction,
      })
    : loadBalancer.addListener('Http', {
        protocol: elbv2.ApplicationProtocol.HTTP,
        port: ALB_LISTENER_PORT,
        open: false,
        defaultAction,
      });

  const targetGroup = new elbv2.ApplicationTargetGroup(scope, 'Targets', {
    vpc: props.vpc,
    targetType: elbv2.TargetType.IP,
    // HTTPS: the ALB encrypts to the tasks but does not verify their (self-signed) certificates.
    protocol: tls ? elbv2.ApplicationProtocol.HTTPS : elbv2.ApplicationProtocol.HTTP,
    port: CHECKOUT_CONTAINER_PORT,
    deregistrationDelay: STOP_TIMEOUT,
    healthCheck: {
      protocol: tls ? elbv2.Protocol.HTTPS : elbv2.Protocol.HTTP,
      path: HEALTH_PATHS.ready,
      healthyHttpCodes: '200',
      interval: Duration.seconds(15),
      timeout: Duration.seconds(5),
      healthyThresholdCount: 2,
      unhealthyThresholdCount: 3,
    },
  });
  service.attachToApplicationTargetGroup(targetGroup); // the ALB's egress rule to the tasks
  new ec2.CfnSecurityGroupIngress(scope, 'TasksFromLoadBalancer', {
    groupId: tasksSecurityGroup.securityGroupId,
    sourceSecurityGroupId: securityGroup.securityGroupId,
    ipProtocol: 'tcp',
    fromPort: CHECKOUT_CONTAINER_PORT,
    toPort: CHECKOUT_CONTAINER_PORT,
    description: 'checkout-api from the internal ALB only',
  });
  // Only requests that came through CloudFront (and so API Gateway) carry the origin header.
  listener.addTargetGroups('FromCloudFront', {
    priority: 10,
    conditions: [elbv2.ListenerCondition.httpHeader(props.originVerify.headerName, [props.originVerify.value])],
    targetGroups: [targetGroup],
  });
  const originRule = listener.node.findChild('FromCloudFrontRule') as elbv2.ApplicationListenerRule;
  return {
    accessLogs,
    loadBalancer,
    listener,
    targetGroup,
    originRule,
    listenerPort: tls ? ALB_TLS_LISTENER_PORT : ALB_LISTENER_PORT,
    origin: tls ? `https://${tls.domainName}` : `http://${loadBalancer.loadBalancerDnsName}`,
  };
}

/**
 * The ALB's certificate for the internal name: ACM, validated by DNS in the profile's public hosted
 * zone (ACM cannot validate in a private zone), so API Gateway can verify it against a public CA;
 * and a private hosted zone of the same name, with an alias to the ALB, for clients inside the VPC.
 */
function internalCertificate(
  scope: Construct,
  vpc: ec2.IVpc,
  loadBalancer: elbv2.ApplicationLoadBalancer,
  domain: InternalDomain,
): acm.ICertificate {
  const publicZone = route53.PublicHostedZone.fromHostedZoneAttributes(scope, 'PublicZone', {
    hostedZoneId: domain.hostedZoneId,
    zoneName: domain.zoneName,
  });
  const certificate = new acm.Certificate(scope, 'InternalCertificate', {
    domainName: domain.domainName,
    validation: acm.CertificateValidation.fromDns(publicZone),
  });
  const privateZone = new route53.PrivateHostedZone(scope, 'InternalZone', {
    zoneName: domain.domainName,
    vpc,
    comment: `The internal ALB of the checkout service (${domain.domainName}), inside the VPC only`,
  });
  new route53.ARecord(scope, 'InternalName', {
    zone: privateZone,
    target: route53.RecordTarget.fromAlias(new route53Targets.LoadBalancerTarget(loadBalancer)),
  });
  return certificate;
}

function createAccessLogBucket(scope: Construct, props: CheckoutServiceProps): s3.Bucket {
  // ALB access logs support only SSE-S3 on the target bucket, not SSE-KMS.
  const bucket = new s3.Bucket(scope, 'AccessLogs', {
    encryption: s3.BucketEncryption.S3_MANAGED,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    enforceSSL: true,
    lifecycleRules: [{ expiration: Duration.days(Math.max(props.logRetentionDays, 1)) }],
    removalPolicy: props.removalPolicy,
    autoDeleteObjects: props.removalPolicy === RemovalPolicy.DESTROY,
  });
  acknowledge(bucket, {
    'AwsSolutions-S1':
      'This bucket is itself the access log of the internal ALB; logging its own accesses to another bucket would only add a log of the log.',
  });
  return bucket;
}

/**
 * ALB access logs to `bucket/prefix`. CDK's `logAccessLogs` needs a concrete region (it picks the
 * legacy per-region ELB account); these stacks are environment-agnostic, and since September 2025
 * the log delivery service principal works in every region, so the policy names that.
 */
function enableAccessLogs(loadBalancer: elbv2.ApplicationLoadBalancer, bucket: s3.Bucket, prefix: string) {
  loadBalancer.setAttribute('access_logs.s3.enabled', 'true');
  loadBalancer.setAttribute('access_logs.s3.bucket', bucket.bucketName);
  loadBalancer.setAttribute('access_logs.s3.prefix', prefix);
  bucket.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AllowAlbAccessLogDelivery',
      principals: [new iam.ServicePrincipal('logdelivery.elasticloadbalancing.amazonaws.com')],
      actions: ['s3:PutObject'],
      resources: [bucket.arnForObjects(`${prefix}/AWSLogs/${Aws.ACCOUNT_ID}/*`)],
    }),
  );
  // ELB checks that it can write when the attribute is set: the policy must exist first.
  const policy = bucket.policy?.node.defaultChild as CfnResource | undefined;
  if (policy) (loadBalancer.node.defaultChild as CfnResource).addResourceDependency(policy);
}
