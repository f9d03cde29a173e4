import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { DatakitError } from '@datakit/errors';
import type { DatakitProject } from './datakit-project.ts';

/** What a datakit's `spec` verb prints (the parts the image build relies on). */
export interface DatakitSpec {
  name: string;
  version: string;
  /** Contract descriptions by table; hashed into the image's contract label. */
  contracts: unknown;
  [key: string]: unknown;
}

/** The `spec` of a bundled datakit, and the hash of its contracts. */
export interface SpecResult {
  spec: DatakitSpec;
  /** The exact bytes printed, stored as `app/spec.json` and in a label. */
  json: string;
  /** The spec's own `contractHash` (`contractHash` of @datakit/contracts): label, lock and runs table. */
  contractHash: string;
}

/**
 * Runs the bundle's `spec` verb (with the image's environment) and checks what it printed: one
 * JSON object whose name and version match the project. A datakit whose spec cannot be produced
 * does not become an image; the error says why.
 */
export async function readSpec(project: DatakitProject, bundleFile: string): Promise<SpecResult> {
  const run = await runNode(bundleFile, ['spec'], {
    PATH: process.env.PATH ?? '',
    DATAKIT_NAME: project.name,
    DATAKIT_VERSION: project.version,
  });
  const fail = (why: string): never => {
    const stderr = run.stderr.trim().split('\n').slice(-10).join('\n');
    throw new DatakitError(`The spec of ${project.path} cannot be produced: ${why}.`, {
      hint: stderr ? `Its stderr ended with:\n${stderr}` : undefined,
    });
  };
  if (run.error) fail(run.error.message);
  if (run.status !== 0) fail(`\`spec\` exited with code ${String(run.status)}`);
  const line = run.stdout
    .trim()
    .split('\n')
    .findLast((l) => l.trim().startsWith('{'));
  if (!line) fail('`spec` printed no JSON object');
  let spec: DatakitSpec;
  try {
    spec = JSON.parse(line!) as DatakitSpec;
  } catch {
    return fail('`spec` printed something that is not JSON');
  }
  const { type: _type, ...body } = spec as DatakitSpec & { type?: string };
  if (body.name !== project.name)
    fail(`it names the datakit "${String(body.name)}", expected "${project.name}"`);
  if (body.version !== project.version) {
    fail(
      `it gives version "${String(body.version)}", expected "${project.version}" from package.json`,
    );
  }
  if (body.contracts === undefined) fail('it has no "contracts" field');
  // One contract hash per image: the spec's own (descriptions and order do not count), which
  // the runs table records, is the label and the lock's. A datakit not written on the runtime
  // (no contractHash in its spec) is labelled with a hash of its contracts' JSON.
  const own = body.contractHash;
  if (own !== undefined && (typeof own !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(own))) {
    fail('its "contractHash" is not of the form sha256:<64 hex digits>');
  }
  const json = JSON.stringify(body);
  return {
    spec: body,
    json,
    contractHash: (own as string | undefined) ?? hashContracts(body.contracts),
  };
}

interface NodeRun {
  status: number | null;
  stdout: string;
  stderr: string;
  error: Error | undefined;
}

/** Runs a script with this Node (24) and a clean environment; never rejects. */
function runNode(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<NodeRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [file, ...args], { env, timeout: 60_000 });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let error: Error | undefined;
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (e) => (error = e));
    child.on('close', (status) =>
      resolve({
        status,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        error,
      }),
    );
  });
}

/**
 * `sha256:` of the canonical JSON (object keys sorted at every level) of a value; test images
 * label their contracts with it. Real images carry their spec's own `contractHash`.
 */
export function hashContracts(value: unknown): string {
  return `sha256:${createHash('sha256').update(canonicalJson(value)).digest('hex')}`;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
