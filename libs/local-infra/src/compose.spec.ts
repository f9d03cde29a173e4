import { readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { infraPaths } from './paths.ts';
import { serviceDefinitions } from './services.ts';

interface ComposeService {
  image: string;
  environment?: Record<string, string>;
  container_name: string;
  network_mode: string;
  volumes: string[];
  labels: Record<string, string>;
}

const paths = infraPaths();
const compose = parse(readFileSync(join(paths.root, 'docker', 'compose.yaml'), 'utf8')) as {
  services: Record<string, ComposeService>;
};

/**
 * A mount as `source:target[:ro]` with the source resolved: a named volume stays a name; a
 * compose path (relative to docker/, `${VAR:-default}` substituted) becomes absolute.
 */
function mountOf(bind: string, composeDir?: string): string {
  const substituted = bind.replace(
    /\$\{(\w+):-([^}]*)\}/g,
    (_, name: string, fallback: string) => process.env[name] ?? fallback,
  );
  const [source = '', target = '', mode] = substituted.split(':');
  const isPath = source.startsWith('.') || isAbsolute(source);
  const resolved = isPath && composeDir !== undefined ? resolve(composeDir, source) : source;
  return [resolved, target, ...(mode === undefined ? [] : [mode])].join(':');
}

// docker/compose.yaml is for people; `npm run infra:up` is what tests use. Both must describe
// the same containers, or a laptop and CI drift apart.
describe('docker/compose.yaml', () => {
  for (const service of serviceDefinitions(paths)) {
    describe(service.name, () => {
      const composed = compose.services[service.name];

      it('runs the image platform/ builds, under the same container name', () => {
        expect(composed?.image).toBe(service.image);
        expect(composed?.container_name).toBe(service.container.name);
      });

      it('uses host networking', () => {
        expect(composed?.network_mode).toBe('host');
      });

      it('mounts the same sources at the same places, read-only where infra:up mounts them so', () => {
        const composeDir = join(paths.root, 'docker');
        expect(composed?.volumes.map((bind) => mountOf(bind, composeDir)).sort()).toEqual(
          (service.container.binds ?? []).map((bind) => mountOf(bind)).sort(),
        );
      });

      it('sets the same environment', () => {
        expect(composed?.environment ?? {}).toEqual(service.container.env ?? {});
      });

      it('carries the same labels', () => {
        expect(composed?.labels).toEqual(service.container.labels);
      });
    });
  }

  it('declares no other service', () => {
    expect(Object.keys(compose.services).sort()).toEqual([
      'kdc',
      'postgres',
      'registry',
      'registry-basic',
      'registry-token',
    ]);
  });
});
