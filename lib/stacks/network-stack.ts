import { Stack, StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { Profile } from '../config/profiles';
import { TierKey } from '../constructs/encryption';

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
 * subnets, NAT gateways from the profile, encrypted flow logs, and S3 + DynamoDB gateway endpoints.
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

    this.vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(profile.network.cidr),
      maxAzs: profile.network.maxAzs,
      natGateways: profile.network.natGateways,
      restrictDefaultSecurityGroup: true,
      subnetConfiguration: [
        { name: SUBNETS.public, subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24, mapPublicIpOnLaunch: false },
        { name: SUBNETS.app, subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 20 },
        { name: SUBNETS.data, subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
    });

    const logsKey = new TierKey(this, 'LogsKey', {
      aliasName: `securecart-${profile.name}-network`,
      description: `SecureCart ${profile.name}: VPC flow logs`,
      removalPolicy: profile.removalPolicy,
    });
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
}
