import { connect } from 'node:net';
import { join } from 'node:path';
import type { ContainerSpec } from '@datakit/docker';
import type { InfraPaths } from './paths.ts';
import { REGISTRY_AUTH_MOUNT, REGISTRY_TOKEN_AUTH } from './registry-auth.ts';

/** The label every container and volume of the local infrastructure carries. */
export const INFRA_LABEL = 'dev.datakit.infra';
/** The label that names which service a container is. */
export const SERVICE_LABEL = 'dev.datakit.service';
/** The label on a built image recording the hash of its build context and base image. */
export const CONTEXT_HASH_LABEL = 'dev.datakit.context-hash';

/** Names of the local services. */
export type ServiceName = 'registry' | 'registry-basic' | 'registry-token' | 'postgres' | 'kdc';

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

/**
 * The registries, PostgreSQL and KDC as this machine runs them: host networking, loopback only.
 * The two authenticated registries run the same image as the open one, configured through
 * distribution's `REGISTRY_*` environment overrides: `registry-basic` with TLS and htpasswd,
 * `registry-token` with token auth (the registry checks each token's signature, scope and
 * expiry; the tests run the issuer on `REGISTRY_TOKEN_AUTH.issuerPort`).
 */
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
      name: 'registry-basic',
      contextDir: join(paths.root, 'platform', 'registry'),
      image: 'datakit/registry:local',
      volumes: ['datakit-registry-basic-data'],
      port: 5001,
      container: {
        name: 'datakit-registry-basic',
        image: 'datakit/registry:local',
        binds: [
          'datakit-registry-basic-data:/var/lib/docker-registry',
          `${paths.registryAuthDir}:${REGISTRY_AUTH_MOUNT}:ro`,
        ],
        env: {
          REGISTRY_HTTP_ADDR: '127.0.0.1:5001',
          REGISTRY_HTTP_TLS_CERTIFICATE: `${REGISTRY_AUTH_MOUNT}/tls.crt`,
          REGISTRY_HTTP_TLS_KEY: `${REGISTRY_AUTH_MOUNT}/tls.key`,
          REGISTRY_AUTH: 'htpasswd',
          REGISTRY_AUTH_HTPASSWD_REALM: 'datakit-registry-basic',
          REGISTRY_AUTH_HTPASSWD_PATH: `${REGISTRY_AUTH_MOUNT}/htpasswd`,
        },
        labels: labels('registry-basic'),
      },
    },
    {
      name: 'registry-token',
      contextDir: join(paths.root, 'platform', 'registry'),
      image: 'datakit/registry:local',
      volumes: ['datakit-registry-token-data'],
      port: 5002,
      container: {
        name: 'datakit-registry-token',
        image: 'datakit/registry:local',
        binds: [
          'datakit-registry-token-data:/var/lib/docker-registry',
          `${paths.registryAuthDir}:${REGISTRY_AUTH_MOUNT}:ro`,
        ],
        env: {
          REGISTRY_HTTP_ADDR: '127.0.0.1:5002',
          REGISTRY_AUTH: 'token',
          REGISTRY_AUTH_TOKEN_REALM: `http://127.0.0.1:${REGISTRY_TOKEN_AUTH.issuerPort}/token`,
          REGISTRY_AUTH_TOKEN_SERVICE: REGISTRY_TOKEN_AUTH.service,
          REGISTRY_AUTH_TOKEN_ISSUER: REGISTRY_TOKEN_AUTH.issuer,
          REGISTRY_AUTH_TOKEN_ROOTCERTBUNDLE: `${REGISTRY_AUTH_MOUNT}/token-signer.crt`,
        },
        labels: labels('registry-token'),
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
