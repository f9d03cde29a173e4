// npm run bench:images — one datakit, one run, printed figures (not a timed test):
//  (a) the conventional path: esbuild bundle, then `docker build` of a plain Dockerfile (layer
//      cache warm) and `docker push`, after a one-line source change;
//  (b) ours: bundle, assemble the layer on the base by digest, push through the registry API,
//      after the same change;
//  (c) `nx run-many -t push` for the hello datakit with nothing changed;
//  plus whether two clean builds give the same digest. Needs `npm run infra:up`.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DockerEngine } from '@datakit/docker';
import { formatError } from '@datakit/errors';
import {
  buildDatakitImage,
  registryBaseReader,
  buildPlatformImage,
  bundleDatakit,
  pushDatakitImage,
  readDatakitProject,
  readPlatformProject,
  readSpec,
} from '@datakit/images';
import { localInfra, repoRoot } from '@datakit/local-infra';
import { createRegistryClient, type ImageManifest } from '@datakit/registry';

const root = repoRoot();
const infra = localInfra();
const client = createRegistryClient({ url: infra.registry.url });
const engine = new DockerEngine();
const reader = registryBaseReader(client);
const log = (message: string): void => void process.stderr.write(`[bench:images] ${message}\n`);
const seconds = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e9;
const round = (n: number, digits = 3): number => Number(n.toFixed(digits));

function sh(command: string, args: string[], cwd?: string): string {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0)
    throw new Error(`${command} ${args.join(' ')} failed:\n${result.stderr}${result.stdout}`);
  return result.stdout + result.stderr;
}

async function ensureBase(): Promise<{ tag: string; digest: string }> {
  const base = readPlatformProject(join(root, 'platform', 'datakit-base'));
  let digest = await client.resolveTag('datakit-base', base.version);
  if (digest === undefined) {
    log(`pushing datakit-base:${base.version} first`);
    const ref = `${infra.registry.host}/datakit-base:${base.version}`;
    await buildPlatformImage(root, engine, base, ref);
    digest = (await engine.pushImage(ref)).digest;
  }
  return { tag: base.version, digest };
}

async function main(): Promise<void> {
  const base = await ensureBase();
  const runId = Date.now().toString(36);
  const scratch = mkdtempSync(join(tmpdir(), 'datakit-bench-images-'));
  try {
    // A copy of the hello datakit under a throwaway name; each step pushes a new version.
    const project = join(scratch, 'bench-images');
    cpSync(join(root, 'datakits', 'hello', 'src'), join(project, 'src'), { recursive: true });
    const setVersion = (version: string): void =>
      writeFileSync(
        join(project, 'package.json'),
        JSON.stringify({ name: 'bench-images', version, datakit: { name: 'bench-images' } }),
      );
    const change = (n: number): void => {
      const file = join(project, 'src', 'main.ts');
      const text = readFileSync(file, 'utf8').replace(/\nconst BENCH_CHANGE = \d+;\n/, '\n');
      writeFileSync(
        file,
        `${text}\nconst BENCH_CHANGE = ${n};\nif (process.env.BENCH_CHANGE) console.log(BENCH_CHANGE);\n`,
      );
    };

    // (a) conventional: bundle + spec outside Docker (as fast as it gets), then docker build of a
    // plain Dockerfile on the same base by digest, then docker push.
    const context = join(scratch, 'docker-context');
    mkdirSync(context);
    writeFileSync(
      join(context, 'Dockerfile'),
      `FROM ${infra.registry.host}/datakit-base@${base.digest}\nCOPY main.mjs /app/main.mjs\nCOPY spec.json /app/spec.json\n`,
    );
    const dockerRound = async (version: string): Promise<{ s: number; bytes: number }> => {
      const start = process.hrtime.bigint();
      setVersion(version);
      const dk = readDatakitProject(project, root);
      const bundle = await bundleDatakit(dk, root);
      cpSync(bundle.file, join(context, 'main.mjs'));
      writeFileSync(join(context, 'spec.json'), (await readSpec(dk, bundle.file)).json);
      const ref = `${infra.registry.host}/bench-images-docker:${version}`;
      sh('docker', ['build', '--network', 'host', '-q', '-t', ref, context]);
      const pushed = sh('docker', ['push', ref]);
      const s = seconds(start);
      // `docker push` names each layer it sent ("Pushed"); their sizes are in the manifest.
      const manifest = (await client.manifest('bench-images-docker', version))
        .manifest as ImageManifest;
      const pushedIds = [...pushed.matchAll(/^([0-9a-f]{12}): Pushed$/gm)].map((m) => m[1]);
      const bytes = manifest.layers
        .filter((l) => pushedIds.some((id) => l.digest.includes(id ?? '')))
        .reduce((sum, l) => sum + l.size, manifest.config.size);
      return { s, bytes };
    };
    change(1);
    await dockerRound(`0.0.1-${runId}`); // warms the layer cache and the registry
    change(2);
    const docker = await dockerRound(`0.0.2-${runId}`);
    log(
      `(a) docker build + docker push after a one-line change: ${round(docker.s)} s, ~${docker.bytes} bytes`,
    );

    // (b) ours, after the same kind of change.
    const oursRound = async (
      version: string,
    ): Promise<{ s: number; bytes: number; digest: string }> => {
      const start = process.hrtime.bigint();
      setVersion(version);
      const image = await buildDatakitImage(readDatakitProject(project, root), root, reader);
      const pushed = await pushDatakitImage(image, client, infra.registry.host);
      return { s: seconds(start), bytes: pushed.bytesUploaded, digest: image.digest };
    };
    change(3);
    await oursRound(`0.0.3-${runId}`);
    change(4);
    const ours = await oursRound(`0.0.4-${runId}`);
    log(
      `(b) datakit images build + push after a one-line change: ${round(ours.s)} s, ${ours.bytes} bytes`,
    );

    // Reproducible: two clean builds of the same sources give the same digest.
    rmSync(join(project, 'dist'), { recursive: true, force: true });
    const again1 = await buildDatakitImage(readDatakitProject(project, root), root, reader);
    rmSync(join(project, 'dist'), { recursive: true, force: true });
    const again2 = await buildDatakitImage(readDatakitProject(project, root), root, reader);
    const reproducible = again1.digest === again2.digest && again1.digest === ours.digest;
    log(`reproducible: ${reproducible} (${again1.digest})`);

    // (c) nothing changed: nx run-many -t push for the hello datakit (image target from cache,
    // push asks the registry and sends nothing).
    const nx = [
      'exec',
      '--',
      'nx',
      'run-many',
      '-t',
      'push',
      '-p',
      '@datakit/hello',
      '--outputStyle=stream',
    ];
    sh('npm', nx, root); // the first run may build and push; the measured one must not
    const start = process.hrtime.bigint();
    const output = sh('npm', nx, root);
    const noop = seconds(start);
    const noopBytes = /nothing to push/.test(output)
      ? 0
      : Number(/\((\d+) bytes uploaded\)/.exec(output)?.[1] ?? NaN);
    log(`(c) nx run-many -t push with nothing changed: ${round(noop)} s, ${noopBytes} bytes`);

    const result = {
      bench: 'images',
      docker_s: round(docker.s),
      ours_s: round(ours.s),
      ours_over_docker: round(ours.s / docker.s),
      docker_bytes: docker.bytes,
      ours_bytes: ours.bytes,
      noop_s: round(noop),
      noop_bytes: noopBytes,
      reproducible,
    };
    log(
      `targets: ours_over_docker <= 0.3 (${result.ours_over_docker}), noop_s < 3 (${result.noop_s}), noop_bytes 0 (${noopBytes}), reproducible (${reproducible})`,
    );
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:images: ${formatError(error)}\n`);
  process.exit(1);
});
