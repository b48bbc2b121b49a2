/**
 * AWS Control Tower's cfn-guard rules (`@cdklabs/cdk-validator-cfnguard`) that SecureCart's
 * templates are not checked against, each with its reason, like the cdk-nag acknowledgements
 * (the rule's name in the validator's report is in the comment beside it).
 * `SECURECART_GUARD=1 npm run synth` runs every other rule over the profile's templates and fails
 * on a finding; CI runs it for sandbox and prod. A rule that marks a known gap says so and names
 * the issue that closes it: remove the line when it is closed.
 */
import type { ProfileName } from './profile-types';

/** Control Tower control id (the rule file's name, `ct-<service>-pr-<n>`) → why it is left out. */
export const GUARD_EXEMPTIONS: Readonly<Record<string, string>> = {
  // --- by design ---------------------------------------------------------------------------------
  /* lambda_inside_vpc_check */
  'ct-lambda-pr-3':
    'The pipeline handlers call only AWS APIs (DynamoDB, Step Functions, EventBridge, SQS) and hold no path to the database; a VPC would add NAT or interface-endpoint cost and cold-start time for no isolation gained. CDK custom-resource providers likewise.',
  /* sqs_dlq_check */
  'ct-sqs-pr-1':
    'The flagged queues are the dead-letter queues themselves (orders, the three fan-out subscriptions, the event targets): a DLQ has no DLQ; each is alarmed instead.',
  /* s3_event_notifications_enabled_check */
  'ct-s3-pr-4':
    'No process consumes events of the access-log, site or trail buckets; notifications would have no receiver.',
  /* s3_bucket_default_encryption_kms_check */
  'ct-s3-pr-10':
    'Access-log destinations (ALB, CloudFront standard logs, S3 server access logs) accept SSE-S3 only; the site bucket holds the public storefront files served through CloudFront.',
  /* s3_bucket_logging_enabled_check */
  'ct-s3-pr-2':
    'The flagged buckets are the access-log buckets themselves; logging their access would need a log bucket for the logs without end.',
  /* s3_bucket_versioning_enabled_check */
  'ct-s3-pr-11':
    'Access logs are written once and expire with the log retention; versions would only double what is stored.',
  /* s3_lifecycle_policy_check */
  'ct-s3-pr-6':
    'The site bucket holds the current storefront build, replaced whole by each deployment (BucketDeployment prunes old files).',
  /* s3_version_lifecycle_policy_check */
  'ct-s3-pr-3':
    'The site bucket holds the current storefront build, replaced whole by each deployment; it is not versioned.',
  /* rds_instance_no_default_ports_check */
  'ct-rds-pr-20':
    'PostgreSQL keeps port 5432: it is reachable only from approved security groups in isolated subnets, so another port adds no protection (cdk-nag RDS11 likewise).',
  /* codebuild_project_environment_privileged_check */
  'ct-codebuild-pr-4':
    'The deploy-time image build (@cdklabs/deploy-time-build) builds a container image, which needs a privileged build environment; the project runs only during deployments.',
  /* codebuild_project_logging_enabled_check */
  'ct-codebuild-pr-3':
    'The deploy-time image build project is created by @cdklabs/deploy-time-build with its default logging; it runs only during deployments and builds from the committed bundle.',
  /* cloudfront_origin_failover_enabled_check */
  'ct-cloudfront-pr-4':
    'One S3 origin in one region: a failover origin needs a replicated bucket in a second region, a cost the reference does not carry; the storefront is redeployable from the repository.',
  /* api_gw_v1_execution_logging_enabled_check */
  'ct-apigateway-pr-1':
    'Execution logging needs the account-wide API Gateway CloudWatch role, which this app does not own (ADR 13); JSON access logs are on.',
  /* ecs_task_definition_memory_hard_limit_check */
  'ct-ecs-pr-7':
    'Memory is limited per task (512 MiB sandbox, 2 GiB prod), shared by the service and its agent sidecar; per-container hard limits would split it without protecting anything more.',
  /* s3_bucket_object_lock_enabled_check */
  'ct-s3-pr-9':
    "The audit trail's bucket has Object Lock (prod, audit.objectLock; ADR 22). The others need none: access-log buckets expire with the log retention, and the site bucket is replaced whole by each deployment.",
  /* ecs_task_definition_nonroot_user_check */
  'ct-ecs-pr-3':
    "Only the CloudWatch agent sidecar runs as root (the service and the database bootstrap run as the image's uid 1000): its image writes its translated configuration under /opt/aws/amazon-cloudwatch-agent at start, and Fargate mounts task volumes root-owned 0755, so another uid cannot start it (ADR 22).",
  /* ecs_containers_readonly_access_check */
  'ct-ecs-pr-6':
    'Only the CloudWatch agent sidecar has a writable root file system (the service and the database bootstrap are read-only): it writes its configuration, pid file and logs under /opt/aws/amazon-cloudwatch-agent (ADR 22).',
  // --- sandbox and localstack only (DISPOSABLE_ONLY): disposable, cheap profiles ---------------------
  /* cloudwatch_log_group_retention_period_check */
  'ct-cloudwatch-pr-2': 'Sandbox keeps logs 14 days and localstack 1 day (cost); prod keeps them 365 days.',
  'ct-rds-pr-1':
    /* rds_instance_multi_az_support_check */ 'Sandbox runs a single-AZ database (half the cost); prod is Multi-AZ.',
  'ct-rds-pr-8': /* rds_instance_backup_enabled_check */ 'Sandbox keeps 1 day of automated backups; prod 14.',
  /* rds_instance_deletion_protection_enabled_check */
  'ct-rds-pr-13': 'Sandbox must be removable with cdk destroy; prod has deletion protection.',
  /* elbv2_deletion_protection_enabled_check */
  'ct-elasticloadbalancing-pr-5':
    "Sandbox's internal ALB holds no data and goes with cdk destroy; prod's has deletion protection.",
  /* alb_http_to_https_redirection_check */
  'ct-elasticloadbalancing-pr-1':
    'Sandbox keeps HTTP inside the VPC (API Gateway → VPC link → internal ALB → tasks): it has no domain to issue the ALB certificate for, and only the VPC link reaches the listener. Prod has api.backendTls: an HTTPS-only listener and HTTPS to the tasks (ADR 21).',
  /* cloudfront_security_policy_check */
  'ct-cloudfront-pr-9':
    'Sandbox serves *.cloudfront.net with the default certificate (no domain to own for a disposable deployment), whose policy CloudFront keeps at TLSv1; prod must set frontend.customDomain (validateProfile) and serves TLSv1.2_2021.',
  /* cloudfront_sni_enabled_check */
  'ct-cloudfront-pr-7':
    'Sandbox uses the default CloudFront certificate, which has no SNI setting; prod serves its own certificate with SNI.',
  /* cloudfront_custom_ssl_certificate_check */
  'ct-cloudfront-pr-6':
    'Sandbox uses the default CloudFront certificate (no domain of its own); prod must set frontend.customDomain with an ACM certificate (validateProfile).',
  /* ec2_instance_detailed_monitoring_enabled_check */
  'ct-ec2-pr-13':
    "Sandbox's only EC2 instance is its t4g.nano NAT instance (ADR 27): basic 5-minute monitoring is enough for a disposable deployment, and detailed monitoring would cost more than the instance. Prod has no instance (NAT gateways).",
  /* ec2_instance_nitro_encryption_in_transit_check */
  'ct-ec2-pr-19':
    "Sandbox's NAT instance is a Graviton t4g.nano (ADR 27), the cheapest type, which is not on the in-transit-encryption list; it only forwards HTTPS the tasks already encrypt end to end. Prod uses NAT gateways.",
  /* ec2_instance_no_public_ip_check */
  'ct-ec2-pr-8':
    "A NAT instance must have a public address to forward the private subnets' traffic to the internet (ADR 27); its security group admits HTTPS from the VPC only. Prod uses NAT gateways.",
  /* ecs_container_insights_enabled_check */
  'ct-ecs-pr-2':
    'Sandbox turns Container Insights off (checkout.containerInsights, ADR 27: its metrics and performance logs cost about $3 a month); its NoRunningTask alarm watches the AWS/ECS sample count instead. Prod keeps it on.',
};

/** Rules left out only for the disposable profiles: prod is checked against them. */
export const DISPOSABLE_ONLY: readonly string[] = [
  'ct-cloudwatch-pr-2',
  'ct-rds-pr-1',
  'ct-rds-pr-8',
  'ct-rds-pr-13',
  'ct-elasticloadbalancing-pr-5',
  'ct-elasticloadbalancing-pr-1',
  'ct-cloudfront-pr-9',
  'ct-cloudfront-pr-7',
  'ct-cloudfront-pr-6',
  'ct-ec2-pr-13',
  'ct-ec2-pr-19',
  'ct-ec2-pr-8',
  'ct-ecs-pr-2',
];

/** The rules the profile's templates are not checked against. */
export function disabledGuardRules(profile: ProfileName): string[] {
  return Object.keys(GUARD_EXEMPTIONS).filter((rule) => profile !== 'prod' || !DISPOSABLE_ONLY.includes(rule));
}
