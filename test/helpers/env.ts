// Runs before every test file, before aws-cdk-lib is loaded.
// The built-in CloudFormation validator (aws-cdk-lib >= 2.262) costs seconds per synth;
// `.ci/run` runs one validated synth instead. cdk-nag, registered explicitly, still runs.
process.env.CDK_VALIDATION = 'false';
process.env.CDK_DISABLE_CLI_TELEMETRY = 'true';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'; // handlers run on nodejs22.x in Lambda
