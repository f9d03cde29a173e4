import { join } from 'node:path';
import { Args, Flags } from '@oclif/core';
import { DockerEngine } from '@datakit/docker';
import { ConfigError } from '@datakit/errors';
import {
  buildDatakitImage,
  buildDatakitRelease,
  loadImageLayout,
  pushDatakitImage,
  pushPlatformImage,
  resolveImageProject,
} from '@datakit/images';
import { repoRoot } from '../../_paths.ts';
import { DatakitCommand, progressFlags } from '../../_render.ts';
import { openRegistry, registryFlags } from '../../_registry.ts';

/** What `datakit images push --json` prints. */
export interface ImagesPushResult {
  reference: string;
  digest: string;
  /** `pushed` (new tag) or `unchanged` (the tag already held this digest; nothing sent). */
  outcome: 'pushed' | 'unchanged';
  bytesUploaded: number;
  seconds: number;
}

export default class ImagesPush extends DatakitCommand {
  static override summary = 'Push the image of a datakit or platform project to the registry.';
  static override description = `Tags are immutable versions: pushing a version that already exists with another digest is refused and both digests are shown. A version already in the registry with the same digest is a no-op that sends no layer. Blobs the registry already has are skipped (base layers are mounted from the base repository), and the tag is written last, so a failed push leaves no tag behind.`;
  static override examples = [
    '<%= config.bin %> images push datakits/hello',
    '<%= config.bin %> images push pagila-bronze --registry registry.corp.example:5000 --json',
    '<%= config.bin %> images push pagila-bronze --release 1.0.0',
  ];
  static override enableJsonFlag = true;
  static override args = {
    project: Args.string({
      description: 'Project folder, folder name or package name.',
      required: true,
    }),
  };
  static override flags = {
    ...registryFlags,
    ...progressFlags,
    'allow-dirty': Flags.boolean({
      description:
        'Push a datakit built from uncommitted changes (its version could never be rebuilt to the same digest).',
      default: false,
    }),
    release: Flags.string({
      description:
        'Rebuild and push an earlier released version of a datakit from git history (the last commit with that version in its package.json), e.g. after the registry lost it.',
      exclusive: ['from-layout'],
    }),
    'from-layout': Flags.boolean({
      description:
        'Push the image already assembled in dist/image instead of building it first (the Nx push target, after its image target).',
      default: false,
    }),
  };

  async run(): Promise<ImagesPushResult> {
    const { args, flags } = await this.parse(ImagesPush);
    const started = Date.now();
    const root = repoRoot();
    const target = resolveImageProject(args.project, root);
    const registry = openRegistry(flags.registry);
    if (flags.release !== undefined && target.kind !== 'datakit') {
      throw new ConfigError(
        `--release rebuilds datakits only; ${args.project} is a platform image.`,
      );
    }
    if (target.kind === 'datakit') {
      const image = flags['from-layout']
        ? loadImageLayout(join(target.project.dir, 'dist', 'image'))
        : flags.release === undefined
          ? await buildDatakitImage(target.project, root, registry.baseReader)
          : await buildDatakitRelease(
              target.project,
              root,
              registry.baseReader,
              flags.release,
              (message) => this.progress(message),
              {
                engine: new DockerEngine(),
                registry: registry.client,
                registryHost: registry.host,
              },
            );
      const result = await pushDatakitImage(image, registry.images, registry.host, {
        allowDirty: flags['allow-dirty'],
        onProgress: (message) => this.progress(message),
      });
      this.progress(
        result.outcome === 'unchanged'
          ? `${result.reference} is already in the registry as ${result.digest}: nothing to push`
          : `pushed ${result.reference} as ${result.digest} (${result.bytesUploaded} bytes uploaded)`,
      );
      return { ...result, seconds: (Date.now() - started) / 1000 };
    }
    const result = await pushPlatformImage(
      root,
      new DockerEngine(),
      target.project,
      registry.client,
      registry.host,
      (message) => this.progress(message),
    );
    this.progress(
      result.outcome === 'unchanged'
        ? `${result.reference} is already in the registry as ${result.digest}: nothing to push`
        : `pushed ${result.reference} as ${result.digest}`,
    );
    return { ...result, seconds: (Date.now() - started) / 1000 };
  }
}
