import { Args } from '@oclif/core';
import { ConfigError } from '@datakit/errors';
import { TagExistsError } from '@datakit/images';
import { copyImage, parseReference } from '@datakit/registry';
import { DatakitCommand } from '../../_render.ts';
import { openRegistry } from '../../_registry.ts';

/** What `datakit registry copy --json` prints. */
export interface RegistryCopyResult {
  source: string;
  target: string;
  digest: string;
  /** `copied`, or `unchanged` when the target already had this exact digest under the tag. */
  outcome: 'copied' | 'unchanged';
  bytesCopied: number;
}

export default class RegistryCopy extends DatakitCommand {
  static override summary = 'Copy an image between registries (promotion), keeping its digest.';
  static override description =
    'Blobs the target has are skipped, blobs in the same registry are mounted, the rest are streamed; the tag is written last. A target tag that exists with another digest is refused: versions are immutable.';
  static override examples = [
    '<%= config.bin %> registry copy 127.0.0.1:5000/pagila-bronze:1.4.2 registry.corp.example/datakits/pagila-bronze:1.4.2',
  ];
  static override enableJsonFlag = true;
  static override args = {
    source: Args.string({
      description: 'registry/repository:tag or @digest to copy.',
      required: true,
    }),
    target: Args.string({ description: 'registry/repository:tag to create.', required: true }),
  };

  async run(): Promise<RegistryCopyResult> {
    const { args } = await this.parse(RegistryCopy);
    const src = parseReference(args.source);
    const dst = parseReference(args.target);
    if (!src.registry || !dst.registry) {
      throw new ConfigError(
        'Both references must name their registry, e.g. 127.0.0.1:5000/hello:0.2.0.',
      );
    }
    if (!dst.tag)
      throw new ConfigError(`The target "${args.target}" needs a tag, e.g. ${args.target}:1.0.0.`);
    const from = openRegistry(src.registry);
    const to = openRegistry(dst.registry);
    const sourceDigest =
      src.digest ?? (await from.client.resolve(src.repository, src.tag ?? 'latest'));
    const existing = await to.images.resolveTag(dst.repository, dst.tag);
    if (existing === sourceDigest) {
      this.progress(`${args.target} already is ${sourceDigest}: nothing to copy`);
      return {
        source: args.source,
        target: args.target,
        digest: sourceDigest,
        outcome: 'unchanged',
        bytesCopied: 0,
      };
    }
    if (existing !== undefined) {
      throw new TagExistsError(
        args.target,
        existing,
        sourceDigest,
        'Copy to a new version tag instead.',
      );
    }
    const result = await copyImage(
      { client: from.client, repo: src.repository, ref: sourceDigest },
      { client: to.client, repo: dst.repository, tag: dst.tag },
    );
    this.progress(
      `copied ${args.source} to ${args.target} as ${result.digest} (${result.bytesCopied} bytes sent)`,
    );
    return {
      source: args.source,
      target: args.target,
      digest: result.digest,
      outcome: 'copied',
      bytesCopied: result.bytesCopied,
    };
  }
}
