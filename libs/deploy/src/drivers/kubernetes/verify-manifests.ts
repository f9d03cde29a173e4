import { join } from 'node:path';
import { locateFields } from '@datakit/warehouse';
import { DEPLOY_LABELS, type DesiredState } from '../../desired-state.ts';
import { CONTAINERS, renderManifests } from './render.ts';
import { validateManifests, type ManifestProblem } from './validate-manifests.ts';

/** The outcome of {@link verifyManifests} for one Kubernetes environment. */
export interface ManifestsCheckResult {
  /** How many objects were rendered and checked. */
  objects: number;
  /**
   * One line per problem: warehouse.yaml with the line and field it came from, the object, the
   * JSON path and what is wrong. Empty when every object is valid.
   */
  problems: string[];
}

/**
 * Renders a Kubernetes environment's manifests as `datakit render` and `deploy` do, and checks
 * every object strictly against the Kubernetes API schema ({@link validateManifests}), so what
 * the API server would refuse is reported by `datakit verify` at the warehouse.yaml field it
 * came from. `manifests` replaces the rendered objects (tests).
 *
 * @throws ConfigError when the environment cannot be rendered (see {@link renderManifests}).
 */
export function verifyManifests(
  state: DesiredState,
  manifests: readonly unknown[] = renderManifests(state),
): ManifestsCheckResult {
  const file = join(state.dir, 'warehouse.yaml');
  const lineOf = locateFields(file);
  const problems = validateManifests(manifests).map((problem) => {
    const manifest = manifests.find((m) => objectName(m) === problem.object);
    const field = warehouseFieldOf(state, manifest, problem);
    const line = lineOf(field);
    return `${file}: ${line === undefined ? '' : `line ${line}: `}field "${field.join('.')}": ${problem.object}: ${problem.path}: ${problem.message}`;
  });
  return { objects: manifests.length, problems };
}

function objectName(manifest: unknown): string {
  const object = manifest as { kind?: unknown; metadata?: { name?: unknown } };
  return `${String(object.kind)} ${String(object.metadata?.name)}`;
}

/**
 * The warehouse.yaml field a part of a rendered object comes from, as far as it can be told:
 * the environment's namespace, service account, image pull Secret or schedule; the Kerberos
 * block for the sidecar container; else the datakit's pin (or the environment, for an object
 * of no datakit).
 */
function warehouseFieldOf(
  state: DesiredState,
  manifest: unknown,
  problem: ManifestProblem,
): string[] {
  const env = ['environments', state.environmentName];
  const labels = (manifest as { metadata?: { labels?: Record<string, string> } } | undefined)
    ?.metadata?.labels;
  const datakit = labels?.[DEPLOY_LABELS.datakit];
  const pin = datakit === undefined ? env : ['datakits', datakit];
  const parts = problem.parts;
  const key = (name: string) => parts.includes(name);
  if (parts[0] === 'metadata' && parts[1] === 'namespace') return [...env, 'namespace'];
  if (key('serviceAccountName')) return [...env, 'serviceAccount'];
  if (key('imagePullSecrets')) return [...env, 'imagePullSecret'];
  if (parts[0] === 'spec' && parts[1] === 'schedule' && datakit !== undefined) {
    return state.environment.schedules[datakit] !== undefined
      ? [...env, 'schedules', datakit]
      : [...pin, 'schedule'];
  }
  const containerAt = parts.findIndex((part) => part === 'containers' || part === 'initContainers');
  if (containerAt >= 0 && typeof parts[containerAt + 1] === 'number') {
    const podSpec = parts
      .slice(0, containerAt)
      .reduce<unknown>((at, part) => (at as Record<string | number, unknown>)?.[part], manifest);
    const list = (podSpec as Record<string, { name?: string }[]> | undefined)?.[
      parts[containerAt] as string
    ];
    const container = list?.[parts[containerAt + 1] as number];
    if (container?.name === CONTAINERS.sidecar) return ['kerberos'];
    if (parts[containerAt + 2] === 'image') return [...pin, 'version'];
  }
  return pin;
}
