// The CLI's one way to a registry: flags, the client, and the narrow views that @datakit/images
// needs (reading the base image, pushing an assembled image).
import { Flags } from '@oclif/core';
import { registryBaseReader, type BaseImageReader, type ImageRegistry } from '@datakit/images';
import { createRegistryClient, type RegistryClient } from '@datakit/registry';
import { registryCa, registryCredentials } from './_registry-credentials.ts';

/** Flags of every command that talks to a registry. */
export const registryFlags = {
  registry: Flags.string({
    description: 'Registry host (plain HTTP for 127.0.0.1/localhost, TLS otherwise) or URL.',
    env: 'DATAKIT_REGISTRY',
    default: '127.0.0.1:5000',
  }),
};

/** A registry as the CLI uses it. */
export interface OpenRegistry {
  /** Host part of image references, e.g. `127.0.0.1:5000`. */
  host: string;
  client: RegistryClient;
  baseReader: BaseImageReader;
  images: ImageRegistry;
}

/**
 * Opens a registry by host or URL. Credentials (never from flags) are read when the registry
 * first asks: DATAKIT_REGISTRY_TOKEN, DATAKIT_REGISTRY_USERNAME with DATAKIT_REGISTRY_PASSWORD_REF
 * (a file: or env: secret reference) or DATAKIT_REGISTRY_PASSWORD, else the Docker config
 * file's `auths` entry for the host. A private CA where Docker keeps it,
 * /etc/docker/certs.d/<host>/ca.crt (or under DATAKIT_REGISTRY_CERTS_DIR); such a host is
 * reached over TLS even on loopback.
 */
export function openRegistry(hostOrUrl: string): OpenRegistry {
  // The client picks the scheme of a bare host (plain HTTP for loopback only).
  const host = new URL(createRegistryClient({ url: hostOrUrl }).url).host;
  const ca = registryCa(host);
  const bare = !/^[a-z][a-z0-9+.-]*:\/\//i.test(hostOrUrl.trim());
  const client = createRegistryClient({
    // As Docker does: a host with a CA of its own speaks TLS, on loopback too.
    url: ca !== undefined && bare ? `https://${host}` : hostOrUrl,
    auth: () => registryCredentials(host),
    ...(ca === undefined ? {} : { ca }),
  });
  return {
    host,
    client,
    baseReader: registryBaseReader(client),
    // The client fits the push's narrow interface as it is.
    images: client,
  };
}
