import { Aws, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { acknowledge } from '../nag';
import { CUSTOMER_PASSWORD_POLICY } from './password-policy';

/** Where the storefront completes a sign-in and lands after signing out (web/src/config.ts defaults). */
export const STOREFRONT_PATHS = { callback: '/auth/callback', signedOut: '/signed-out' } as const;

/**
 * What the storefront asks for (web/src/config.ts: "openid email"). API Gateway's authorizer checks
 * `openid` on the access token, which makes it accept access tokens only, as the service does.
 */
export const SPA_SCOPES = ['openid', 'email'] as const;
export const API_AUTHORIZATION_SCOPES = ['openid'];

/** Token lifetimes of the storefront client. */
const TOKEN_VALIDITY = { access: Duration.hours(1), id: Duration.hours(1), refresh: Duration.days(30) } as const;

export interface SpaClientUrls {
  readonly callbackUrls: readonly string[];
  readonly logoutUrls: readonly string[];
}

/** The callback and sign-out URLs of storefront origins (e.g. `https://d123.cloudfront.net`). */
export function storefrontUrls(origins: readonly string[]): SpaClientUrls {
  return {
    callbackUrls: origins.map((o) => `${o}${STOREFRONT_PATHS.callback}`),
    logoutUrls: origins.map((o) => `${o}${STOREFRONT_PATHS.signedOut}`),
  };
}

export interface SpaClientSettings {
  /** Props of the L2 `UserPoolClient` (the Api stack creates the client with these). */
  readonly clientOptions: cognito.UserPoolClientOptions;
  /**
   * The complete `UpdateUserPoolClient` request without `UserPoolId` and `ClientId`, for an
   * `AwsCustomResource` in the Frontend stack that sets the CloudFront URLs later (ADR 13).
   * UpdateUserPoolClient resets every setting it is not given, so this carries all of them; a
   * test checks it against what the L2 client synthesizes.
   */
  readonly updateRequest: Record<string, unknown>;
}

/**
 * The storefront's app client, in full, for the given URLs: authorization code with PKCE (a public
 * client: no secret), Cognito as the only identity provider, the managed login pages, token
 * revocation, no user-existence leaks. The one definition both the L2 client here and the
 * Frontend stack's UpdateUserPoolClient call use, so the two can never disagree.
 */
export function spaClientSettings(clientName: string, urls: SpaClientUrls): SpaClientSettings {
  const callbackUrls = [...urls.callbackUrls];
  const logoutUrls = [...urls.logoutUrls];
  const clientOptions: cognito.UserPoolClientOptions = {
    userPoolClientName: clientName,
    generateSecret: false,
    // The managed login pages do the sign-in; the SPA itself only redeems codes and refresh tokens.
    authFlows: { user: false, userPassword: false, userSrp: false, custom: false, adminUserPassword: false },
    oAuth: {
      flows: { authorizationCodeGrant: true, implicitCodeGrant: false, clientCredentials: false },
      scopes: SPA_SCOPES.map((s) => cognito.OAuthScope.custom(s)),
      callbackUrls,
      logoutUrls,
    },
    supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
    preventUserExistenceErrors: true,
    enableTokenRevocation: true,
    accessTokenValidity: TOKEN_VALIDITY.access,
    idTokenValidity: TOKEN_VALIDITY.id,
    refreshTokenValidity: TOKEN_VALIDITY.refresh,
    authSessionValidity: Duration.minutes(3),
  };
  const minutes = (d: Duration) => d.toMinutes();
  const updateRequest = {
    ClientName: clientName,
    ExplicitAuthFlows: ['ALLOW_REFRESH_TOKEN_AUTH'],
    AllowedOAuthFlows: ['code'],
    AllowedOAuthFlowsUserPoolClient: true,
    AllowedOAuthScopes: [...SPA_SCOPES],
    CallbackURLs: callbackUrls,
    LogoutURLs: logoutUrls,
    SupportedIdentityProviders: ['COGNITO'],
    PreventUserExistenceErrors: 'ENABLED',
    EnableTokenRevocation: true,
    AccessTokenValidity: minutes(TOKEN_VALIDITY.access),
    IdTokenValidity: minutes(TOKEN_VALIDITY.id),
    RefreshTokenValidity: minutes(TOKEN_VALIDITY.refresh),
    TokenValidityUnits: { AccessToken: 'minutes', IdToken: 'minutes', RefreshToken: 'minutes' },
    AuthSessionValidity: 3,
  };
  return { clientOptions, updateRequest };
}

export interface IdentityProps {
  /** `securecart-<profile>`. */
  readonly prefix: string;
  readonly profileName: string;
  /** Plus feature plan with full-function threat protection (adaptive authentication, compromised credentials). */
  readonly threatProtection: boolean;
  /** Storefront origins until the Frontend stack sets its CloudFront domain. */
  readonly storefrontOrigins: readonly string[];
  readonly deletionProtection: boolean;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The customers' user pool: e-mail sign-in, self sign-up with a verification code, a strong
 * password policy, optional TOTP MFA, threat protection where the profile pays for it; the
 * managed login pages on a Cognito domain; and the storefront's public app client.
 */
export class Identity extends Construct {
  readonly userPool: cognito.UserPool;
  readonly client: cognito.UserPoolClient;
  readonly domain: cognito.UserPoolDomain;
  /** The client's name (the Frontend stack's UpdateUserPoolClient call keeps it). */
  readonly clientName: string;

  constructor(scope: Construct, id: string, props: IdentityProps) {
    super(scope, id);
    this.userPool = new cognito.UserPool(this, 'UserPool', {
      userPoolName: `${props.prefix}-customers`,
      signInAliases: { email: true },
      signInCaseSensitive: false,
      selfSignUpEnabled: true,
      autoVerify: { email: true },
      keepOriginal: { email: true },
      userVerification: {
        emailStyle: cognito.VerificationEmailStyle.CODE,
        emailSubject: 'Your SecureCart verification code',
        emailBody: 'Your SecureCart verification code is {####}',
      },
      standardAttributes: { email: { required: true, mutable: true } },
      passwordPolicy: { ...CUSTOMER_PASSWORD_POLICY, tempPasswordValidity: Duration.days(3) },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      mfa: cognito.Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      featurePlan: props.threatProtection ? cognito.FeaturePlan.PLUS : cognito.FeaturePlan.ESSENTIALS,
      ...(props.threatProtection
        ? { standardThreatProtectionMode: cognito.StandardThreatProtectionMode.FULL_FUNCTION }
        : {}),
      deletionProtection: props.deletionProtection,
      removalPolicy: props.removalPolicy,
    });
    acknowledge(this.userPool, {
      'AwsSolutions-COG2':
        'MFA is optional (TOTP) for storefront customers: forcing a second factor on every shopper is a product decision; threat protection adds adaptive MFA where the profile enables it.',
      ...(props.threatProtection
        ? {}
        : {
            'AwsSolutions-COG8': `Profile "${props.profileName}" stays on the Essentials plan: threat protection needs the Plus plan, billed per monthly active user; prod enables it.`,
          }),
    });

    this.domain = this.userPool.addDomain('Domain', {
      // Domain prefixes are unique per region across all accounts: the account id keeps ours unique.
      cognitoDomain: { domainPrefix: `${props.prefix}-${Aws.ACCOUNT_ID}` },
      managedLoginVersion: cognito.ManagedLoginVersion.NEWER_MANAGED_LOGIN,
    });

    this.clientName = `${props.prefix}-storefront`;
    const settings = spaClientSettings(this.clientName, storefrontUrls(props.storefrontOrigins));
    this.client = this.userPool.addClient('StorefrontClient', settings.clientOptions);
    // Managed login shows an error page for a client without a style: use Cognito's default one.
    new cognito.CfnManagedLoginBranding(this, 'ManagedLoginBranding', {
      userPoolId: this.userPool.userPoolId,
      clientId: this.client.userPoolClientId,
      useCognitoProvidedValues: true,
    });
  }

  /**
   * The `UpdateUserPoolClient` call that points the storefront client at other origins (the
   * Frontend stack's CloudFront domain), for an `AwsCustomResource` there. It carries every
   * client setting (UpdateUserPoolClient resets what it is not given), so it only changes the URLs.
   */
  storefrontClientUpdate(origins: readonly string[]): cr.AwsSdkCall {
    const { updateRequest } = spaClientSettings(this.clientName, storefrontUrls(origins));
    return {
      service: 'CognitoIdentityServiceProvider',
      action: 'updateUserPoolClient',
      parameters: { UserPoolId: this.userPool.userPoolId, ClientId: this.client.userPoolClientId, ...updateRequest },
      physicalResourceId: cr.PhysicalResourceId.of(`${this.clientName}-urls`),
    };
  }

  /** The OpenID Connect issuer of the user pool (the storefront's `authority`). */
  get issuer(): string {
    return this.userPool.userPoolProviderUrl;
  }
}
