/**
 * Images pinned by digest (ADR 23): lib/config/container-images.json is the one list; the task
 * definitions and the service's Dockerfile name its entries; `npm run images:pin` resolves digests
 * with the OCI distribution API, tested here against a local registry that follows it.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { containerImage, containerImages, imageReference } from '../lib/config/container-images';
import { pinnedRegistryImage } from '../lib/constructs/pinned-image';
import { baseImageOf, DOCKERFILE, IMAGES_FILE, pinImages, withBaseImage } from '../scripts/images/pin';
import { parseBearerChallenge, resolveDigest, splitRepository } from '../scripts/images/registry';

/** A registry following the distribution API: anonymous bearer tokens, manifests by tag. */
class FakeRegistry {
  readonly manifests = new Map<string, string>();
  /** Overrides the Docker-Content-Digest header (a registry that lies). */
  announce?: string;
  private server?: http.Server;
  base = '';
  tokensIssued = 0;

  index(platforms: string[], salt = '') {
    return JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: platforms.map((p) => ({
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: `sha256:${createHash('sha256')
          .update(p + salt)
          .digest('hex')}`,
        size: 1000,
        platform: { os: p.split('/')[0], architecture: p.split('/')[1] },
      })),
    });
  }

  async start() {
    this.server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://registry');
      if (url.pathname === '/token') {
        this.tokensIssued += 1;
        res.setHeader('content-type', 'application/json');
        return res.end(JSON.stringify({ token: `t-${url.searchParams.get('scope')}` }));
      }
      const match = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(url.pathname);
      if (!match) return res.writeHead(404).end();
      const [, name, tag] = match;
      if (req.headers.authorization !== `Bearer t-repository:${name}:pull`) {
        res.setHeader(
          'www-authenticate',
          `Bearer realm="${this.base}/token",service="fake-registry",scope="repository:${name}:pull"`,
        );
        return res.writeHead(401).end();
      }
      if (!String(req.headers.accept).includes('application/vnd.oci.image.index.v1+json'))
        return res.writeHead(406).end();
      const body = this.manifests.get(`${name}:${decodeURIComponent(tag)}`);
      if (body === undefined) return res.writeHead(404).end();
      const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
      res.setHeader('docker-content-digest', this.announce ?? digest);
      res.setHeader('content-type', 'application/vnd.oci.image.index.v1+json');
      return res.end(body);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.base = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
    return this;
  }

  stop() {
    return new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

const sha = (s: string) => `sha256:${createHash('sha256').update(s).digest('hex')}`;
let registry: FakeRegistry;
const local = () => ({ registryBase: () => registry.base });

beforeAll(async () => {
  registry = await new FakeRegistry().start();
});
afterAll(() => registry.stop());
beforeEach(() => {
  registry.manifests.clear();
  registry.announce = undefined;
});

describe('the image list', () => {
  test('every entry is well formed, ARM64, and names what uses it', () => {
    const images = containerImages();
    expect(Object.keys(images).sort()).toEqual(['cloudwatchAgent', 'nodeBase']);
    for (const spec of Object.values(images)) {
      expect(spec.platform).toBe('linux/arm64');
      expect(spec.repository).toMatch(/^public\.ecr\.aws\//);
      expect(spec.usedBy.length).toBeGreaterThan(10);
    }
  });

  test('a malformed digest, tag or repository fails at synthesis, naming the entry', () => {
    const good = { repository: 'public.ecr.aws/x/y', tag: '1', platform: 'linux/arm64', usedBy: 'test' };
    expect(() => containerImages({ a: { ...good, digest: 'sha256:abc' } })).toThrow(/a: digest "sha256:abc"/);
    expect(() => containerImages({ b: { ...good, tag: 'bad tag' } })).toThrow(/b: tag "bad tag"/);
    expect(() => containerImages({ c: { ...good, repository: 'node' } })).toThrow(/c: repository "node"/);
    expect(() => containerImages({ d: { ...good, digest: sha('x') } })).not.toThrow();
  });

  test('the reference carries the digest when pinned (tag beside it for people), the tag alone when not', () => {
    const spec = { repository: 'public.ecr.aws/x/y', tag: '1.2', platform: 'linux/arm64', usedBy: 't' };
    expect(imageReference(spec)).toBe('public.ecr.aws/x/y:1.2');
    expect(imageReference({ ...spec, digest: sha('m') })).toBe(`public.ecr.aws/x/y:1.2@${sha('m')}`);
  });

  test("the service's Dockerfile builds FROM the list's nodeBase, on ARM64", () => {
    const dockerfile = readFileSync(DOCKERFILE, 'utf8');
    expect(baseImageOf(dockerfile)).toBe(imageReference(containerImage('nodeBase')));
    expect(dockerfile).toMatch(/^FROM --platform=linux\/arm64 /m);
  });

  test('an unpinned image is noted at synthesis with how to pin it; a pinned one is not', () => {
    const stack = new Stack(new App(), 'Images');
    const task = new ecs.FargateTaskDefinition(stack, 'Task');
    task.addContainer('agent', { image: pinnedRegistryImage(stack, 'cloudwatchAgent'), memoryReservationMiB: 64 });
    const warnings = Annotations.fromStack(stack).findInfo('*', Match.stringLikeRegexp('npm run images:pin'));
    expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toEqual([]);
    expect(warnings.length).toBe(containerImage('cloudwatchAgent').digest ? 0 : 1);

    jest.isolateModules(() => {
      const pinned = { ...containerImage('cloudwatchAgent'), digest: sha('agent') };
      jest.doMock('../lib/config/container-images.json', () => ({ cloudwatchAgent: pinned }));
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const fresh = require('../lib/constructs/pinned-image') as typeof import('../lib/constructs/pinned-image');
      const s2 = new Stack(new App(), 'Pinned');
      const t2 = new ecs.FargateTaskDefinition(s2, 'Task');
      t2.addContainer('agent', { image: fresh.pinnedRegistryImage(s2, 'cloudwatchAgent'), memoryReservationMiB: 64 });
      expect(Annotations.fromStack(s2).findInfo('*', Match.stringLikeRegexp('images:pin'))).toEqual([]);
      const image = JSON.stringify(s2.resolve((t2.node.defaultChild as ecs.CfnTaskDefinition).containerDefinitions));
      expect(image).toContain(`${pinned.repository}:${pinned.tag}@${pinned.digest}`);
    });
    jest.dontMock('../lib/config/container-images.json');
  });
});

describe('resolving a digest from the registry', () => {
  const spec = {
    repository: 'public.ecr.aws/docker/library/node',
    tag: '22-alpine',
    platform: 'linux/arm64',
    usedBy: 't',
  };

  test('anonymous bearer token, then the sha256 of the manifest bytes, checked against the registry', async () => {
    const body = registry.index(['linux/amd64', 'linux/arm64']);
    registry.manifests.set('docker/library/node:22-alpine', body);
    const before = registry.tokensIssued;
    await expect(resolveDigest(spec, local())).resolves.toBe(sha(body));
    expect(registry.tokensIssued).toBe(before + 1);
  });

  test('a tag that does not exist is an error that says so', async () => {
    await expect(resolveDigest({ ...spec, tag: 'no-such-tag' }, local())).rejects.toThrow(
      'public.ecr.aws/docker/library/node:no-such-tag does not exist',
    );
  });

  test('an index without the ARM64 image is refused, naming what it has', async () => {
    registry.manifests.set('docker/library/node:22-alpine', registry.index(['linux/amd64', 'linux/s390x']));
    await expect(resolveDigest(spec, local())).rejects.toThrow(
      'has no linux/arm64 image (it has linux/amd64, linux/s390x)',
    );
  });

  test('a registry whose announced digest is not the hash of what it sent is refused', async () => {
    registry.manifests.set('docker/library/node:22-alpine', registry.index(['linux/arm64']));
    registry.announce = sha('something else');
    await expect(resolveDigest(spec, local())).rejects.toThrow(
      /says sha256:[0-9a-f]{64} but the manifest's bytes hash to/,
    );
  });

  test('helpers: repository split and challenge parsing', () => {
    expect(splitRepository('public.ecr.aws/cloudwatch-agent/cloudwatch-agent')).toEqual({
      host: 'public.ecr.aws',
      name: 'cloudwatch-agent/cloudwatch-agent',
    });
    expect(() => splitRepository('node')).toThrow('expected registry-host/repository');
    expect(parseBearerChallenge('Bearer realm="https://r/token",service="s",scope="repository:a:pull"')).toEqual({
      realm: 'https://r/token',
      service: 's',
      scope: 'repository:a:pull',
    });
    expect(() => parseBearerChallenge('Basic realm="x"')).toThrow('not a bearer token');
    expect(() => parseBearerChallenge(null)).toThrow('not a bearer token');
  });
});

describe('npm run images:pin', () => {
  function workspace() {
    const dir = mkdtempSync(join(tmpdir(), 'securecart-images-'));
    const imagesFile = join(dir, 'container-images.json');
    const dockerfile = join(dir, 'Dockerfile');
    copyFileSync(IMAGES_FILE, imagesFile);
    copyFileSync(DOCKERFILE, dockerfile);
    return { imagesFile, dockerfile };
  }
  function publishAll(salt: string) {
    for (const spec of Object.values(containerImages())) {
      registry.manifests.set(
        `${splitRepository(spec.repository).name}:${spec.tag}`,
        registry.index(['linux/arm64'], salt),
      );
    }
  }

  test('writes every digest and the pinned FROM line; --check then sees them current, and sees a moved tag', async () => {
    const files = workspace();
    publishAll('v1');
    const written = await pinImages({ ...local(), ...files, write: true });
    const pinned = JSON.parse(readFileSync(files.imagesFile, 'utf8'));
    for (const r of written) expect(pinned[r.name].digest).toBe(r.after);
    expect(baseImageOf(readFileSync(files.dockerfile, 'utf8'))).toBe(imageReference(containerImages(pinned).nodeBase));
    expect(readFileSync(files.dockerfile, 'utf8')).toMatch(/^FROM --platform=linux\/arm64 \S+@sha256:[0-9a-f]{64}$/m);

    const current = await pinImages({ ...local(), ...files, write: false });
    expect(current.every((r) => r.before === r.after)).toBe(true);

    publishAll('v2'); // every tag moves
    const moved = await pinImages({ ...local(), ...files, write: false });
    expect(moved.every((r) => r.before !== undefined && r.before !== r.after)).toBe(true);
    expect(JSON.parse(readFileSync(files.imagesFile, 'utf8'))).toEqual(pinned); // --check writes nothing
  });

  test('one tag that does not exist fails the run and writes nothing', async () => {
    const files = workspace();
    publishAll('v1');
    registry.manifests.delete('cloudwatch-agent/cloudwatch-agent:1.300072.0b1766');
    const before = readFileSync(files.imagesFile, 'utf8');
    await expect(pinImages({ ...local(), ...files, write: true })).rejects.toThrow(
      'cloudwatch-agent:1.300072.0b1766 does not exist',
    );
    expect(readFileSync(files.imagesFile, 'utf8')).toBe(before);
  });

  test('the FROM rewrite keeps the platform flag and touches only the first FROM line', () => {
    const text = 'FROM --platform=linux/arm64 a/b:1\nRUN x\nFROM c/d:2\n';
    expect(withBaseImage(text, `a/b:1@${sha('z')}`)).toBe(
      `FROM --platform=linux/arm64 a/b:1@${sha('z')}\nRUN x\nFROM c/d:2\n`,
    );
    expect(() => withBaseImage('RUN x\n', 'a')).toThrow('no FROM line');
  });
});
