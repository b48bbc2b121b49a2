import type { Check } from './report';

/** Every check of verify:deploy: its name (the report's) and what to look at when it fails. */
export const CHECKS = {
  outputs: {
    name: 'stack outputs',
    hint: 'aws cloudformation describe-stacks --stack-name SecureCart-<profile>-<Stack>; finish `cdk deploy --all` first',
  },
  tables: { name: 'tables', hint: "the Data stack's DynamoDB tables (DescribeTable); the Data stack's events" },
  queues: { name: 'queues', hint: "the Pipeline stack's SQS queues (GetQueueAttributes), their KMS keys" },
  page: {
    name: 'storefront page',
    hint: 'the Frontend stack\'s response headers policy and the distribution (docs/first-deploy.md, "Storefront")',
  },
  config: {
    name: 'storefront config.json',
    hint: "the Frontend stack's BucketDeployment of config.json; an invalidation may be pending",
  },
  spa: {
    name: 'storefront SPA fallback',
    hint: "the distribution's error responses / viewer-request function for SPA paths",
  },
  products: {
    name: 'products through CloudFront',
    hint: 'the /api/* behaviour, the origin path /live, the private integration\'s path (docs/first-deploy.md, "The stage in the private-integration path"); the API\'s access log',
  },
  direct: {
    name: 'REST API closed without the origin header',
    hint: "the methods' required x-origin-verify header, the REGIONAL WAF (prod), the ALB listener rule",
  },
  alb: { name: 'ALB not public', hint: 'the load balancer must be internal (scheme internal, private subnets)' },
  service: {
    name: 'checkout service running',
    hint: 'the ECS service\'s events and its stopped tasks\' reasons (docs/first-deploy.md, "The CloudWatch agent image")',
  },
  signIn: {
    name: 'customer sign-in',
    hint: 'the user pool\'s managed login and the storefront client\'s callback URLs (docs/first-deploy.md, "Customer sign-in")',
  },
  approved: {
    name: 'order approved → FULFILLED',
    hint: "the order's execution in Step Functions, the checkout service's log (relay, status consumer), the orders DLQ",
  },
  declined: {
    name: 'order declined → CANCELLED',
    hint: "the order's execution (ProcessPayment, the compensation path), the status consumer",
  },
  isolation: {
    name: 'order isolation',
    hint: 'services/checkout-api/src/routes/orders.ts: orders are read by customer id',
  },
  trace: {
    name: 'X-Ray trace',
    hint: 'the trace header across the VPC link and the ALB, the CloudWatch agent\'s X-Ray listener (docs/first-deploy.md, "The trace header")',
  },
  dashboard: { name: 'dashboard', hint: "the Monitoring stack's dashboard securecart-<profile>-orders" },
  alarms: {
    name: 'alarms',
    hint: 'each named alarm in CloudWatch: its metric and dimensions (docs/first-deploy.md, "Alarm dimensions")',
  },
  alarmMetrics: {
    name: 'alarm metrics',
    hint: 'each named alarm\'s metric in CloudWatch → Metrics: its real dimensions (docs/first-deploy.md, "Alarm dimensions")',
  },
  history: {
    name: 'data protection: execution history',
    hint: "the state machine's input and ResultPaths: the token must not travel in the execution (issue 19)",
  },
  logs: {
    name: 'data protection: workflow logs',
    hint: "the state machine's logging configuration (includeExecutionData) and its log group (issue 19)",
  },
} as const satisfies Record<string, Check>;
