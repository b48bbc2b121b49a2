#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { buildSecureCart, profileBanner } from '../lib/app';
import { APP_CONTEXT } from '../lib/app-context';
import { ProfileError, resolveProfile } from '../lib/config/profiles';

const app = new App({ context: APP_CONTEXT });
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
