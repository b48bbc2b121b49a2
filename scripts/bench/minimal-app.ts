// The reference point for `npm run bench:synth`: the smallest useful CDK app, one S3 bucket.
import { App, Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';

const app = new App();
new s3.Bucket(new Stack(app, 'MinimalBucket'), 'Bucket');
