import { Stack, StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { Profile } from '../config/profiles';
import { TierKey } from '../constructs/encryption';
import { acknowledge } from '../constructs/nag';

export interface NetworkStackProps extends StackProps {
  readonly profile: Profile;
}

/** Subnet group names; other stacks select subnets by these. */
export const SUBNETS = {
  public: 'public',
  app: 'app',
  data: 'data',
} as const;

const POSTGRES_PORT = 5432;

/**
 * The network tier: a VPC over two AZs with public, private-with-egress (app) and isolated (data)
 * subnets, NAT gateways or a NAT instance from the profile (ADR 27), encrypted flow logs, and S3 +
 * DynamoDB gateway endpoints.
 * It also holds the checkout service's security group, so the Data stack can admit it to the
 * database and the Api stack can put the tasks in it without either depending on the other (ADR 13).
 */
export class NetworkStack extends Stack {
  readonly vpc: ec2.Vpc;
  /**
   * The checkout service's tasks (Api stack). Ingress is added by the Api stack (from its ALB only);
   * egress is HTTPS (AWS APIs, the image registry, the Cognito JWKS) and PostgreSQL to the data subnets.
   */
  readonly checkoutServiceSecurityGroup: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, props: NetworkStackProps) {
    super(scope, id, props);
    const { profile } = props;

    const nat = profile.network.nat;
    const natInstances =
      nat.provider === 'instance'
        ? ec2.NatProvider.instanceV2({
            instanceType: new ec2.InstanceType(nat.instanceType),
            // Amazon Linux 2023 for arm64, resolved by CloudFormation from the public SSM parameter
            // at deploy time (a template parameter, no context lookup): synth is offline and
            // deterministic; a deployment after AWS publishes a new image replaces the instance.
            machineImage: ec2.MachineImage.latestAmazonLinux2023({
              cpuType: ec2.AmazonLinuxCpuType.ARM_64,
              cachedInContext: false,
            }),
            // The public subnets do not hand out addresses: the instance needs its own to reach the internet.
            associatePublicIpAddress: true,
            // No rule by default: only the VPC's HTTPS is forwarded (below).
            defaultAllowedTraffic: ec2.NatTrafficDirection.NONE,
          })
        : undefined;
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(profile.network.cidr),
      maxAzs: profile.network.maxAzs,
      natGateways: nat.count,
      natGatewayProvider: natInstances,
      restrictDefaultSecurityGroup: true,
      subnetConfiguration: [
        { name: SUBNETS.public, subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24, mapPublicIpOnLaunch: false },
        { name: SUBNETS.app, subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 20 },
        { name: SUBNETS.data, subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
    });

    const logsKey = new TierKey(this, 'LogsKey', {
      aliasName: `securecart-${profile.name}-network`,
      description: `SecureCart ${profile.name}: VPC flow logs${natInstances ? ' and the NAT instance volume' : ''}`,
      removalPolicy: profile.removalPolicy,
    });
    if (natInstances) this.hardenNatInstances(natInstances, profile.network.cidr, logsKey.key);
    const flowLogGroup = logsKey.logGroup(this, 'FlowLogGroup', {
      retentionDays: profile.network.flowLogRetentionDays,
      removalPolicy: profile.removalPolicy,
    });
    this.vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogGroup),
      trafficType: ec2.FlowLogTrafficType.ALL,
    });

    // Gateway endpoints are free and keep S3/DynamoDB traffic off the NAT gateways.
    this.vpc.addGatewayEndpoint('S3Endpoint', { service: ec2.GatewayVpcEndpointAwsService.S3 });
    this.vpc.addGatewayEndpoint('DynamoDbEndpoint', { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB });

    this.checkoutServiceSecurityGroup = new ec2.SecurityGroup(this, 'CheckoutServiceSecurityGroup', {
      vpc: this.vpc,
      description: `SecureCart ${profile.name} checkout service tasks: in from the API load balancer only`,
      allowAllOutbound: false,
    });
    this.checkoutServiceSecurityGroup.addEgressRule(
      ec2.Peer.anyIpv4(),
      ec2.Port.tcp(443),
      'HTTPS: AWS APIs (through NAT or gateway endpoints), image pulls, Cognito JWKS',
    );
    // The database's own security group admits this group only; the data subnets bound the egress.
    for (const subnet of this.vpc.selectSubnets({ subnetGroupName: SUBNETS.data }).subnets) {
      this.checkoutServiceSecurityGroup.addEgressRule(
        ec2.Peer.ipv4(subnet.ipv4CidrBlock),
        ec2.Port.tcp(POSTGRES_PORT),
        `PostgreSQL to data subnet ${subnet.ipv4CidrBlock}`,
      );
    }
  }
  /**
   * The NAT instances (sandbox, ADR 27): HTTPS in from the VPC's own range only and HTTPS out (every
   * client behind them speaks HTTPS: the tasks' security group allows nothing else out, and Amazon
   * Linux's package repositories are HTTPS too), IMDSv2 only, and a root volume encrypted with the
   * tier key. No key pair and no SSH: the instance runs its user data and nothing else.
   */
  private hardenNatInstances(provider: ec2.NatInstanceProviderV2, vpcCidr: string, key: kms.IKey): void {
    provider.connections.allowFrom(
      // The profile's literal range (the VPC's own), so cdk-nag can read the rule.
      ec2.Peer.ipv4(vpcCidr),
      ec2.Port.tcp(443),
      'HTTPS from the VPC, to forward to the internet',
    );
    provider.connections.allowTo(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to the internet');
    for (const instance of provider.gatewayInstances) {
      const cfn = instance.node.defaultChild as ec2.CfnInstance;
      cfn.metadataOptions = { httpTokens: 'required', httpEndpoint: 'enabled', httpPutResponseHopLimit: 1 };
      cfn.blockDeviceMappings = [
        {
          // The root device of the Amazon Linux 2023 images.
          deviceName: '/dev/xvda',
          // The size is stated (the image's own, 8 GiB: the README prices 8 GB): a mapping without it relies
          // on the image's snapshot, which emulators refuse ("size/snapshot") and a reader cannot see.
          ebs: { encrypted: true, kmsKeyId: key.keyArn, volumeType: 'gp3', volumeSize: 8, deleteOnTermination: true },
        },
      ];
      acknowledge(instance, {
        'AwsSolutions-EC28':
          'Sandbox NAT instance: basic (5-minute) monitoring is enough for a disposable deployment; detailed monitoring would cost more than the instance.',
        'AwsSolutions-EC29':
          'Sandbox NAT instance: disposable with the stack (cdk destroy must remove it), so no termination protection; a replacement comes from a redeployment, not an Auto Scaling group (ADR 27).',
      });
    }
  }
}
