import {
  DescribeSecretCommand,
  GetRandomPasswordCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import type { Context, SecretsManagerRotationEvent } from 'aws-lambda';
import { HANDLER_ENV } from '@securecart/contracts/env';
import { requireEnv } from '../shared/env';
import { logger, startInvocation } from '../shared/logger';
import { distributionSender, listenerRuleAcceptor, webAclAcceptor } from './parties';
import type { Acceptor, Sender } from './parties';

/*
 * Rotates the CloudFront origin secret (the x-origin-verify header) without a 403 (ADR 21).
 *
 * The acceptors (the REGIONAL web ACL's origin rule where the profile has WAF, the internal ALB's
 * listener rule) always accept two values: the one CloudFront sends and the one before it. A
 * rotation moves that window by one, in Secrets Manager's four steps:
 *
 *   createSecret  a new value as AWSPENDING (Secrets Manager's own generator, 48 alphanumerics);
 *   setSecret     once CloudFront sends AWSCURRENT everywhere (status Deployed), the acceptors
 *                 accept [AWSCURRENT, AWSPENDING]: the value before AWSCURRENT is dropped only now;
 *   testSecret    read back: every acceptor accepts both, or the rotation fails here, before the sender moves;
 *   finishSecret  CloudFront sends AWSPENDING (its edges switch over minutes, both values accepted
 *                 meanwhile), then AWSPENDING becomes AWSCURRENT (the old one AWSPREVIOUS, still accepted).
 *
 * Every step can run again (Secrets Manager retries a failed rotation) and leaves the acceptors
 * accepting whatever CloudFront may be sending. Values are never logged.
 */

export const secrets = new SecretsManagerClient({});

const STAGE = { current: 'AWSCURRENT', pending: 'AWSPENDING' } as const;
export const VALUE_LENGTH = 48;

interface Parties {
  readonly acceptors: Acceptor[];
  readonly sender: Sender;
}

function partiesFromEnv(): Parties {
  const header = requireEnv(HANDLER_ENV.originHeaderName);
  const acceptors = [listenerRuleAcceptor(requireEnv(HANDLER_ENV.originListenerRuleArn), header)];
  const acl = process.env[HANDLER_ENV.originWebAcl];
  if (acl) {
    const [name, id] = acl.split('|');
    acceptors.unshift(webAclAcceptor({ name, id }, requireEnv(HANDLER_ENV.originWebAclRule), header));
  }
  return { acceptors, sender: distributionSender(requireEnv(HANDLER_ENV.originDistributionId), header) };
}

async function valueOf(secretId: string, stage: string, versionId?: string): Promise<string> {
  const { SecretString } = await secrets.send(
    new GetSecretValueCommand({ SecretId: secretId, VersionStage: stage, VersionId: versionId }),
  );
  if (!SecretString) throw new Error(`The ${stage} version of the origin secret has no string value`);
  return SecretString;
}

async function createSecret(secretId: string, token: string): Promise<void> {
  await valueOf(secretId, STAGE.current); // there is a current value to rotate from
  try {
    await valueOf(secretId, STAGE.pending, token);
    logger.info('createSecret: the pending value exists already');
    return;
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  const { RandomPassword } = await secrets.send(
    new GetRandomPasswordCommand({ PasswordLength: VALUE_LENGTH, ExcludePunctuation: true, IncludeSpace: false }),
  );
  await secrets.send(
    new PutSecretValueCommand({
      SecretId: secretId,
      ClientRequestToken: token,
      SecretString: RandomPassword,
      VersionStages: [STAGE.pending],
    }),
  );
  logger.info('createSecret: pending value created');
}

async function setSecret(secretId: string, token: string, { acceptors, sender }: Parties): Promise<void> {
  const current = await valueOf(secretId, STAGE.current);
  const pending = await valueOf(secretId, STAGE.pending, token);
  // Dropping the value before `current` is safe only once no edge location can send it any more:
  // CloudFront sends `current` and is Deployed, or sends `pending` already (a retried rotation
  // whose finishSecret got as far as the sender; its edges send `current` or `pending`).
  const sending = await sender.sending();
  const safe = (sending.value === current && sending.deployed) || sending.value === pending;
  if (!safe) {
    throw new Error(
      sending.value === current
        ? 'CloudFront is still deploying: not rotating until every edge location has the current value'
        : 'CloudFront sends neither the current nor the pending origin value: not rotating',
    );
  }
  for (const acceptor of acceptors) {
    await acceptor.accept([current, pending]);
    logger.info('setSecret: acceptor accepts the current and the pending value', { acceptor: acceptor.name });
  }
}

async function testSecret(secretId: string, token: string, { acceptors }: Parties): Promise<void> {
  const current = await valueOf(secretId, STAGE.current);
  const pending = await valueOf(secretId, STAGE.pending, token);
  for (const acceptor of acceptors) {
    const accepted = await acceptor.accepted();
    if (!accepted.includes(current) || !accepted.includes(pending)) {
      throw new Error(`${acceptor.name} does not accept both the current and the pending value`);
    }
  }
  logger.info('testSecret: every acceptor accepts both values', { acceptors: acceptors.length });
}

async function finishSecret(
  secretId: string,
  token: string,
  currentVersion: string | undefined,
  parties: Parties,
): Promise<void> {
  // The sender moves only while every acceptor takes the new value (checked again: no other
  // writer may have narrowed them since testSecret).
  await testSecret(secretId, token, parties);
  const pending = await valueOf(secretId, STAGE.pending, token);
  await parties.sender.send(pending);
  logger.info('finishSecret: CloudFront sends the new value');
  await secrets.send(
    new UpdateSecretVersionStageCommand({
      SecretId: secretId,
      VersionStage: STAGE.current,
      MoveToVersionId: token,
      RemoveFromVersionId: currentVersion,
    }),
  );
  logger.info('finishSecret: the new value is AWSCURRENT');
}

export const handler = async (event: SecretsManagerRotationEvent, context?: Context): Promise<void> => {
  startInvocation(undefined, context);
  const { Step: step, SecretId: secretId, ClientRequestToken: token } = event;
  logger.appendKeys({ step, versionId: token });
  const description = await secrets.send(new DescribeSecretCommand({ SecretId: secretId }));
  if (!description.RotationEnabled) throw new Error('Rotation is not enabled on the origin secret');
  const versions = description.VersionIdsToStages ?? {};
  const stages = versions[token];
  if (!stages) throw new Error(`Version ${token} of the origin secret has no stage`);
  if (stages.includes(STAGE.current)) {
    logger.info('The version is AWSCURRENT already: nothing to do');
    return;
  }
  if (!stages.includes(STAGE.pending)) throw new Error(`Version ${token} is not AWSPENDING`);

  switch (step) {
    case 'createSecret':
      return createSecret(secretId, token);
    case 'setSecret':
      return setSecret(secretId, token, partiesFromEnv());
    case 'testSecret':
      return testSecret(secretId, token, partiesFromEnv());
    case 'finishSecret': {
      const currentVersion = Object.keys(versions).find((v) => versions[v].includes(STAGE.current));
      return finishSecret(secretId, token, currentVersion, partiesFromEnv());
    }
    default:
      throw new Error(`Unknown rotation step ${String(step)}`);
  }
};
