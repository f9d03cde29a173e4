import { connect } from 'node:net';
import { join } from 'node:path';
import type { ContainerSpec } from '@datakit/docker';
import type { InfraPaths } from './paths.ts';

/** The label every container and volume of the local infrastructure carries. */
export const INFRA_LABEL = 'dev.datakit.infra';
/** The label that names which service a container is. */
export const SERVICE_LABEL = 'dev.datakit.service';
/** The label on a built image recording the hash of its build context and base image. */
export const CONTEXT_HASH_LABEL = 'dev.datakit.context-hash';

/** Names of the local services. */
export type ServiceName = 'registry' | 'postgres' | 'kdc';

/** One local service: the image `platform/` builds for it and how it runs. */
export interface ServiceDefinition {
  name: ServiceName;
  /** The platform project folder holding its Dockerfile. */
  contextDir: string;
  image: string;
  /** Named volumes holding its data, kept by `down` unless asked to remove them. */
  volumes: string[];
  /** The loopback port it listens on. */
  port: number;
  container: ContainerSpec & { name: string };
}

/** Registry, PostgreSQL and KDC as this machine runs them: host networking, loopback only. */
export function serviceDefinitions(paths: InfraPaths): ServiceDefinition[] {
  const labels = (service: ServiceName): Record<string, string> => ({
    [INFRA_LABEL]: 'true',
    [SERVICE_LABEL]: service,
  });
  return [
    {
      name: 'registry',
      contextDir: join(paths.root, 'platform', 'registry'),
      image: 'datakit/registry:local',
      volumes: ['datakit-registry-data'],
      port: 5000,
      container: {
        name: 'datakit-registry',
        image: 'datakit/registry:local',
        binds: ['datakit-registry-data:/var/lib/docker-registry'],
        labels: labels('registry'),
      },
    },
    {
      name: 'postgres',
      contextDir: join(paths.root, 'platform', 'postgres'),
      image: 'datakit/postgres:local',
      volumes: ['datakit-postgres-data'],
      port: 5432,
      container: {
        name: 'datakit-postgres',
        image: 'datakit/postgres:local',
        binds: [
          'datakit-postgres-data:/var/lib/postgresql/data',
          `${paths.postgresSecretsDir}:/run/secrets/postgres:ro`,
          `${paths.pagilaDir}:/seed/pagila:ro`,
        ],
        // pg_hba's krb_realm and the pg_ident map name the KDC's realm.
        env: { KRB5_REALM: KERBEROS_REALM },
        labels: labels('postgres'),
      },
    },
    {
      name: 'kdc',
      contextDir: join(paths.root, 'platform', 'kdc'),
      image: 'datakit/kdc:local',
      volumes: ['datakit-kdc-data'],
      port: 88,
      container: {
        name: 'datakit-kdc',
        image: 'datakit/kdc:local',
        binds: ['datakit-kdc-data:/var/lib/krb5kdc', `${paths.kerberosDir}:/export`],
        env: { KRB5_REALM: KERBEROS_REALM },
        labels: labels('kdc'),
      },
    },
  ];
}

/** The test realm of the local KDC. */
export const KERBEROS_REALM = 'DATAKIT.TEST';

/** True when something accepts TCP connections on 127.0.0.1:port. */
export function tcpOpen(port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    const done = (open: boolean): void => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
