import { Annotations } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import type { Construct } from 'constructs';
import { containerImage, imageReference } from '../config/container-images';
import type { ContainerImageName } from '../config/container-images';

/**
 * A registry image from lib/config/container-images.json, by digest when it is pinned; where it
 * is not, synthesis notes it on `scope` (an info annotation, so the nag test's no-warnings rule
 * keeps meaning "no findings") and says how to pin it (ADR 23).
 */
export function pinnedRegistryImage(scope: Construct, name: ContainerImageName): ecs.ContainerImage {
  const spec = containerImage(name);
  if (!spec.digest) {
    Annotations.of(scope).addInfo(
      `securecart:image-unpinned ${spec.repository}:${spec.tag} is not pinned by digest: run \`npm run images:pin\` (docs/first-deploy.md) so a moved or deleted tag cannot change what deploys.`,
    );
  }
  return ecs.ContainerImage.fromRegistry(imageReference(spec));
}
