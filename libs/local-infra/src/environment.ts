import { join } from 'node:path';
import { infraPaths, type InfraPaths } from './paths.ts';
import { readRegistryPassword, REGISTRY_TOKEN_AUTH, type RegistryUser } from './registry-auth.ts';
import { readPostgresPassword, type PostgresRole } from './secrets.ts';
import { KERBEROS_REALM } from './services.ts';

/** How to reach the local infrastructure that `infraUp` started: for tests and examples. */
export interface LocalInfra {
  registry: {
    /** `http://127.0.0.1:5000` */
    url: string;
    /** `127.0.0.1:5000`, the prefix of image references. */
    host: string;
  };
  /**
   * The two registries with authentication (users `datakit`, who may push, and
   * `datakit-reader`, who may only pull on the token registry; passwords read from their
   * generated files only when asked).
   */
  authRegistries: {
    /** TLS (a local CA) and htpasswd (Basic) on `https://127.0.0.1:5001`. */
    basic: { url: string; host: string; caFile: string; password(user: RegistryUser): string };
    /**
     * Token auth on `http://127.0.0.1:5002`: the registry sends clients to the issuer at
     * `realm`; a token must carry `issuer` and `service` and be signed by the key in
     * `signerKeyFile` (certificate `signerCertFile`, the registry's rootcertbundle).
     */
    token: {
      url: string;
      host: string;
      realm: string;
      issuerPort: number;
      service: string;
      issuer: string;
      signerKeyFile: string;
      signerCertFile: string;
      password(user: RegistryUser): string;
    };
  };
  postgres: {
    host: string;
    port: number;
    /** The pagila source and the empty warehouse. */
    databases: { source: 'pagila'; warehouse: 'warehouse' };
    /** Connection settings for a role, its password read from its generated file. */
    connection(role: PostgresRole, database: string): PostgresConnection;
  };
  kerberos: {
    realm: string;
    /** A client krb5.conf pointing at the local KDC (use as KRB5_CONFIG). */
    krb5Config: string;
    /**
     * Principals (without realm) with their keytab files. `datakit-e2e` has tickets of 2
     * minutes renewable for 10 (the Kerberos end-to-end tests) and logs in to pagila as the
     * password-less role `kerberos_reader` through GSSAPI.
     */
    keytabs: Record<'datakit-loader' | 'datakit-e2e' | 'postgres/localhost', string>;
  };
}

/** Connection settings for node-postgres. */
export interface PostgresConnection {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

/** Where the local infrastructure answers. Reads generated secrets only when asked. */
export function localInfra(paths: InfraPaths = infraPaths()): LocalInfra {
  return {
    registry: { url: 'http://127.0.0.1:5000', host: '127.0.0.1:5000' },
    authRegistries: {
      basic: {
        url: 'https://127.0.0.1:5001',
        host: '127.0.0.1:5001',
        caFile: join(paths.registryAuthDir, 'ca.crt'),
        password: (user) => readRegistryPassword(paths, user),
      },
      token: {
        url: 'http://127.0.0.1:5002',
        host: '127.0.0.1:5002',
        realm: `http://127.0.0.1:${REGISTRY_TOKEN_AUTH.issuerPort}/token`,
        issuerPort: REGISTRY_TOKEN_AUTH.issuerPort,
        service: REGISTRY_TOKEN_AUTH.service,
        issuer: REGISTRY_TOKEN_AUTH.issuer,
        signerKeyFile: join(paths.registrySecretsDir, 'token-signer.key'),
        signerCertFile: join(paths.registryAuthDir, 'token-signer.crt'),
        password: (user) => readRegistryPassword(paths, user),
      },
    },
    postgres: {
      host: '127.0.0.1',
      port: 5432,
      databases: { source: 'pagila', warehouse: 'warehouse' },
      connection: (role, database) => ({
        host: '127.0.0.1',
        port: 5432,
        user: role,
        password: readPostgresPassword(paths.postgresSecretsDir, role),
        database,
      }),
    },
    kerberos: {
      realm: KERBEROS_REALM,
      krb5Config: join(paths.kerberosDir, 'krb5.conf'),
      keytabs: {
        'datakit-loader': join(paths.kerberosDir, 'datakit-loader.keytab'),
        'datakit-e2e': join(paths.kerberosDir, 'datakit-e2e.keytab'),
        'postgres/localhost': join(paths.kerberosDir, 'postgres.keytab'),
      },
    },
  };
}
