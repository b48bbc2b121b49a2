/**
 * What `npm run deploy:check` expects, read from a synthesized cloud assembly (cdk.out): the
 * stacks with their regions and dependencies, the resources their templates retain on deletion,
 * and what each BucketDeployment must put in its bucket. Nothing here is specific to SecureCart's
 * profiles: a stack, a retained resource or a deployment added to a profile is checked as well.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly DeletionPolicy?: string;
}

export interface CfnTemplate {
  readonly Resources?: Record<string, CfnResource>;
  readonly Outputs?: Record<string, unknown>;
}

export interface AssemblyStack {
  /** The artifact id (cdk's name for it). */
  readonly id: string;
  /** The CloudFormation stack name. */
  readonly stackName: string;
  readonly region: string;
  /** Ids of the stacks this one needs first (asset manifests left out). */
  readonly dependencies: readonly string[];
  readonly template: CfnTemplate;
  /** The file assets of the stack, by object key: their path in the assembly and packaging. */
  readonly assets: ReadonlyMap<string, { readonly path: string; readonly packaging: string }>;
}

interface Manifest {
  readonly artifacts?: Record<
    string,
    {
      readonly type: string;
      readonly environment?: string;
      readonly dependencies?: readonly string[];
      readonly properties?: { readonly templateFile?: string; readonly stackName?: string };
    }
  >;
}

interface AssetManifest {
  readonly files?: Record<
    string,
    {
      readonly source: { readonly path?: string; readonly packaging?: string };
      readonly destinations: Record<string, { readonly objectKey: string }>;
    }
  >;
}

/** `aws://account/region` → region; an environment-agnostic stack gets `defaultRegion`. */
export function regionOf(environment: string | undefined, defaultRegion: string): string {
  const region = environment?.split('/')[3];
  return !region || region.startsWith('unknown-') ? defaultRegion : region;
}

/** The assembly's stacks, dependencies first (manifest order among equals). */
export function readAssembly(dir: string, defaultRegion: string): AssemblyStack[] {
  const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as Manifest;
  const artifacts = manifest.artifacts ?? {};
  const stackIds = Object.keys(artifacts).filter((id) => artifacts[id].type === 'aws:cloudformation:stack');
  const stacks = stackIds.map((id): AssemblyStack => {
    const artifact = artifacts[id];
    const templateFile = artifact.properties?.templateFile ?? `${id}.template.json`;
    const assetManifest = (artifact.dependencies ?? []).find((d) => artifacts[d]?.type === 'cdk:asset-manifest');
    return {
      id,
      stackName: artifact.properties?.stackName ?? id,
      region: regionOf(artifact.environment, defaultRegion),
      dependencies: (artifact.dependencies ?? []).filter((d) => stackIds.includes(d)),
      template: JSON.parse(readFileSync(path.join(dir, templateFile), 'utf8')) as CfnTemplate,
      assets: assetManifest ? readAssets(dir, `${assetManifest}.json`) : new Map(),
    };
  });
  return dependencyOrder(stacks);
}

function readAssets(dir: string, file: string): Map<string, { path: string; packaging: string }> {
  const assets = new Map<string, { path: string; packaging: string }>();
  if (!existsSync(path.join(dir, file))) return assets;
  const manifest = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as AssetManifest;
  for (const asset of Object.values(manifest.files ?? {})) {
    if (!asset.source.path) continue;
    for (const destination of Object.values(asset.destinations)) {
      assets.set(destination.objectKey, {
        path: path.join(dir, asset.source.path),
        packaging: asset.source.packaging ?? 'file',
      });
    }
  }
  return assets;
}

/** Stable topological order: each stack after the stacks it depends on; fails on a cycle. */
export function dependencyOrder<T extends { id: string; dependencies: readonly string[] }>(stacks: readonly T[]): T[] {
  const ordered: T[] = [];
  const done = new Set<string>();
  const known = new Set(stacks.map((s) => s.id));
  let pending = [...stacks];
  while (pending.length > 0) {
    const ready = pending.filter((s) => s.dependencies.every((d) => done.has(d) || !known.has(d)));
    if (ready.length === 0) throw new Error(`dependency cycle among ${pending.map((s) => s.id).join(', ')}`);
    for (const s of ready) {
      ordered.push(s);
      done.add(s.id);
    }
    pending = pending.filter((s) => !done.has(s.id));
  }
  return ordered;
}

export interface RetainedResource {
  readonly stackName: string;
  readonly region: string;
  readonly logicalId: string;
  readonly type: string;
}

/** Resources whose DeletionPolicy keeps them when their stack is deleted (Retain, RetainExceptOnCreate). */
export function retainedResources(stacks: readonly AssemblyStack[]): RetainedResource[] {
  return stacks.flatMap((stack) =>
    Object.entries(stack.template.Resources ?? {})
      .filter(([, r]) => r.DeletionPolicy === 'Retain' || r.DeletionPolicy === 'RetainExceptOnCreate')
      .map(([logicalId, r]) => ({ stackName: stack.stackName, region: stack.region, logicalId, type: r.Type })),
  );
}

/** The logical ids of a stack's resources of one type. */
export function resourcesOfType(stack: AssemblyStack, type: string): string[] {
  return Object.entries(stack.template.Resources ?? {})
    .filter(([, r]) => r.Type === type)
    .map(([id]) => id);
}

export interface DeploymentSource {
  /** The asset in the assembly: a directory (zip packaging) or an archive. */
  readonly assetPath: string;
  readonly packaging: string;
  /** Placeholders in the files (Source.data / jsonData) and the CloudFormation values they stand for. */
  readonly markers: Readonly<Record<string, unknown>>;
  readonly jsonEscape: boolean;
}

export interface BucketDeploymentSpec {
  readonly stackName: string;
  readonly region: string;
  readonly logicalId: string;
  /** The destination bucket as a CloudFormation value (usually a Ref). */
  readonly destinationBucket: unknown;
  readonly destinationPrefix: string;
  readonly sources: readonly DeploymentSource[];
}

/** Every Custom::CDKBucketDeployment of the stacks, with its sources resolved to assembly assets. */
export function bucketDeployments(stacks: readonly AssemblyStack[]): BucketDeploymentSpec[] {
  return stacks.flatMap((stack) =>
    resourcesOfType(stack, 'Custom::CDKBucketDeployment').map((logicalId): BucketDeploymentSpec => {
      const props = stack.template.Resources![logicalId].Properties ?? {};
      const keys = (props.SourceObjectKeys as string[] | undefined) ?? [];
      const markers = (props.SourceMarkers as Record<string, unknown>[] | undefined) ?? [];
      const markersConfig = (props.SourceMarkersConfig as { jsonEscape?: boolean }[] | undefined) ?? [];
      return {
        stackName: stack.stackName,
        region: stack.region,
        logicalId,
        destinationBucket: props.DestinationBucketName,
        destinationPrefix: typeof props.DestinationBucketKeyPrefix === 'string' ? props.DestinationBucketKeyPrefix : '',
        sources: keys.map((key, i) => {
          const asset = stack.assets.get(key);
          if (!asset) throw new Error(`${stack.stackName}/${logicalId}: source ${key} is not an asset of the assembly`);
          return {
            assetPath: asset.path,
            packaging: asset.packaging,
            markers: markers[i] ?? {},
            jsonEscape: markersConfig[i]?.jsonEscape === true,
          };
        }),
      };
    }),
  );
}

/** The files of a directory asset, by their key relative to it (`/` separators), sorted. */
export function assetFiles(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const walk = (relative: string) => {
    for (const entry of readdirSync(path.join(dir, relative)).sort()) {
      const rel = relative ? `${relative}/${entry}` : entry;
      if (statSync(path.join(dir, rel)).isDirectory()) walk(rel);
      else files.set(rel, readFileSync(path.join(dir, rel)));
    }
  };
  walk('');
  return files;
}

/** A file's content with its markers replaced, as BucketDeployment does (jsonEscape: JSON string content). */
export function replaceMarkers(content: string, values: Readonly<Record<string, string>>, jsonEscape: boolean): string {
  let out = content;
  for (const [marker, value] of Object.entries(values)) {
    out = out.split(marker).join(jsonEscape ? JSON.stringify(value).slice(1, -1) : value);
  }
  return out;
}
