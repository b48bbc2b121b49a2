#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { buildSecureCart, profileBanner } from '../lib/app';
import { ProfileError, resolveProfile } from '../lib/config/profiles';

// No creation stack trace per resource in the assembly's metadata: capturing and source-mapping
// one for every resource was about a tenth of synth time. `cdk synth --debug` (CDK_DEBUG) records them.
const app = new App({ context: { 'aws:cdk:disable-creation-stack-traces': true } });
let profile;
try {
  profile = resolveProfile(app.node.tryGetContext('profile'), { alarmEmail: app.node.tryGetContext('alarmEmail') });
} catch (e) {
  if (e instanceof ProfileError) {
    console.error(`error: ${e.message}`);
    process.exit(1);
  }
  throw e;
}
console.error(profileBanner(profile));
buildSecureCart(app, profile);
