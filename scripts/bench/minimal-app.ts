// The reference point for `npm run bench:synth`: the smallest useful CDK app, one S3 bucket.
import { App, Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { APP_CONTEXT } from '../../lib/app-context';

// The same App context as bin/securecart.ts, so the two differ only in what they build.
const app = new App({ context: APP_CONTEXT });
new s3.Bucket(new Stack(app, 'MinimalBucket'), 'Bucket');
