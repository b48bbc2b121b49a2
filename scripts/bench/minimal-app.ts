// The reference point for `npm run bench:synth`: the smallest useful CDK app, one S3 bucket.
import { App, Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';

// The same App settings as bin/securecart.ts, so the two differ only in what they build.
const app = new App({ context: { 'aws:cdk:disable-creation-stack-traces': true } });
new s3.Bucket(new Stack(app, 'MinimalBucket'), 'Bucket');
