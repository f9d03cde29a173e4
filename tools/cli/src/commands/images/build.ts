import { Args } from '@oclif/core';
import { DockerEngine } from '@datakit/docker';
import { buildDatakitImage, buildPlatformImage, resolveImageProject } from '@datakit/images';
import { repoRoot } from '../../_paths.ts';
import { DatakitCommand, isPlain, progressFlags } from '../../_render.ts';
import { openRegistry, registryFlags } from '../../_registry.ts';

/** What `datakit images build --json` prints. */
export interface ImagesBuildResult {
  kind: 'datakit' | 'platform';
  reference: string;
  /** Manifest digest (datakit images) or local image id (platform images, before a push). */
  digest: string;
  contractHash?: string;
  seconds: number;
}

export default class ImagesBuild extends DatakitCommand {
  static override summary = 'Build the image of a datakit or platform project.';
  static override description = `A datakit is bundled and assembled into a reproducible image on top of the base image referenced by digest, written as an OCI layout to <project>/dist/image (no Docker build; the same sources give the same digest). A platform image is built from its Dockerfile through the Docker engine API.`;
  static override examples = [
    '<%= config.bin %> images build datakits/pagila-bronze',
    '<%= config.bin %> images build hello --json',
    '<%= config.bin %> images build platform/datakit-base',
  ];
  static override enableJsonFlag = true;
  static override args = {
    project: Args.string({
      description: 'Project folder, folder name or package name.',
      required: true,
    }),
  };
  static override flags = { ...registryFlags, ...progressFlags };

  async run(): Promise<ImagesBuildResult> {
    const { args, flags } = await this.parse(ImagesBuild);
    const started = Date.now();
    const root = repoRoot();
    const plain = isPlain(flags.plain);
    const target = resolveImageProject(args.project, root);
    const registry = openRegistry(flags.registry);
    if (target.kind === 'datakit') {
      const { project } = target;
      this.progress(`building ${project.name}:${project.version} from ${project.path}`);
      const image = await buildDatakitImage(project, root, registry.baseReader);
      const reference = `${registry.host}/${image.repository}:${image.tag}@${image.digest}`;
      this.progress(
        `built ${reference} (layer ${image.layer.size} bytes, contract ${image.contractHash.slice(0, 19)})`,
      );
      return {
        kind: 'datakit',
        reference,
        digest: image.digest,
        contractHash: image.contractHash,
        seconds: (Date.now() - started) / 1000,
      };
    }
    const { project } = target;
    const reference = `${registry.host}/${project.name}:${project.version}`;
    this.progress(`building ${reference} from ${project.dir}`);
    const { imageId } = await buildPlatformImage(
      root,
      new DockerEngine(),
      project,
      reference,
      (event) => {
        const line = event.stream?.trimEnd();
        if (line && (!plain || /^Step \d+/.test(line))) this.progress(line);
      },
    );
    this.progress(`built ${reference} (${imageId})`);
    return { kind: 'platform', reference, digest: imageId, seconds: (Date.now() - started) / 1000 };
  }
}
