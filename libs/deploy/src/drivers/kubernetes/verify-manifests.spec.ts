import { describe, expect, it } from 'vitest';
import type { V1CronJob } from '@kubernetes/client-node';
import { EXAMPLE_WAREHOUSES, exampleState } from './_fixture-state.ts';
import { renderManifests } from './render.ts';
import { validateManifests } from './validate-manifests.ts';
import { verifyManifests } from './verify-manifests.ts';

/** analytics' prod manifests with its first CronJob changed by `edit`. */
function withCronJob(edit: (cronJob: V1CronJob) => void): unknown[] {
  const manifests = structuredClone(renderManifests(exampleState('analytics')));
  edit(manifests.find((m): m is V1CronJob => m.kind === 'CronJob')!);
  return manifests;
}

describe('validateManifests', () => {
  it.each(EXAMPLE_WAREHOUSES)('finds nothing in the %s prod manifests', (name) => {
    expect(validateManifests(renderManifests(exampleState(name)))).toEqual([]);
  });

  it('refuses an unknown field, as strict field validation does', () => {
    const manifests = withCronJob((cronJob) => {
      (
        cronJob.spec!.jobTemplate.spec!.template.spec!.containers[0] as unknown as Record<
          string,
          unknown
        >
      ).imagePolicy = 'x';
    });
    expect(validateManifests(manifests)).toEqual([
      expect.objectContaining({
        object: 'CronJob analytics-pagila-bronze',
        path: 'spec.jobTemplate.spec.template.spec.containers[0].imagePolicy',
        message: expect.stringMatching(/^unknown field "imagePolicy" \(V1Container has .*image,/),
      }),
    ]);
  });

  it('refuses a value of the wrong type', () => {
    const manifests = withCronJob((cronJob) => {
      (cronJob.spec as unknown as Record<string, unknown>).successfulJobsHistoryLimit = '3';
      (
        cronJob.spec!.jobTemplate.spec!.template.spec as unknown as Record<string, unknown>
      ).volumes = {};
    });
    expect(validateManifests(manifests).map((p) => `${p.path}: ${p.message}`)).toEqual([
      'spec.successfulJobsHistoryLimit: expected a number, found "3"',
      'spec.jobTemplate.spec.template.spec.volumes: expected a list, found an object',
    ]);
  });

  it('refuses a kind it does not know', () => {
    expect(validateManifests([{ apiVersion: 'v1', kind: 'Pdo', metadata: { name: 'x' } }])).toEqual(
      [
        expect.objectContaining({
          object: 'Pdo x',
          message: expect.stringContaining('kind "Pdo" is not a kind'),
        }),
      ],
    );
  });

  it('walks maps of strings, such as labels and ConfigMap data', () => {
    const problems = validateManifests([
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'x', labels: { a: 1 } },
        data: { 'config.json': {} },
      },
    ]);
    expect(problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'metadata.labels.a: expected a string, found 1',
      'data["config.json"]: expected a string, found an object',
    ]);
  });
});

describe('verifyManifests', () => {
  it('reports each problem at the warehouse.yaml field and line it came from', () => {
    const state = exampleState('analytics');
    const manifests = withCronJob((cronJob) => {
      (cronJob.metadata as unknown as Record<string, unknown>).namespace = 7;
      (cronJob.spec as unknown as Record<string, unknown>).schedules = '0 3 * * *';
      (
        cronJob.spec!.jobTemplate.spec!.template.spec!.containers.find(
          (c) => c.name === 'datakit',
        ) as unknown as Record<string, unknown>
      ).image = ['x'];
    });
    const { problems } = verifyManifests(state, manifests);
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(
      /warehouses\/analytics\/warehouse.yaml: line \d+: field "environments.prod.namespace": CronJob analytics-pagila-bronze: metadata.namespace: expected a string, found 7$/,
    );
    expect(problems[2]).toMatch(
      /: line \d+: field "datakits.pagila-bronze": CronJob analytics-pagila-bronze: spec.schedules: unknown field "schedules"/,
    );
    expect(problems[1]).toMatch(
      /: line \d+: field "datakits.pagila-bronze.version": CronJob analytics-pagila-bronze: spec.jobTemplate.spec.template.spec.containers\[\d\].image: expected a string, found a list$/,
    );
  });

  it('finds the example warehouses prod manifests valid', () => {
    for (const name of EXAMPLE_WAREHOUSES) {
      expect(verifyManifests(exampleState(name))).toMatchObject({ problems: [] });
    }
  });
});
