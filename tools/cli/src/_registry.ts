// The CLI's one way to a registry: flags, the client, and the narrow views that @datakit/images
// needs (reading the base image, pushing an assembled image).
import { Flags } from '@oclif/core';
import { registryBaseReader, type BaseImageReader, type ImageRegistry } from '@datakit/images';
import { createRegistryClient, type RegistryClient } from '@datakit/registry';

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
 * Opens a registry by host or URL. Credentials come from DATAKIT_REGISTRY_USERNAME and
 * DATAKIT_REGISTRY_PASSWORD (or DATAKIT_REGISTRY_TOKEN), never from flags.
 */
export function openRegistry(hostOrUrl: string): OpenRegistry {
  const username = process.env.DATAKIT_REGISTRY_USERNAME;
  const password = process.env.DATAKIT_REGISTRY_PASSWORD;
  const token = process.env.DATAKIT_REGISTRY_TOKEN;
  // The client picks the scheme of a bare host (plain HTTP for loopback only).
  const client = createRegistryClient({
    url: hostOrUrl,
    ...(token ? { auth: { token } } : username && password ? { auth: { username, password } } : {}),
  });
  const host = new URL(client.url).host;
  return {
    host,
    client,
    baseReader: registryBaseReader(client),
    // The client fits the push's narrow interface as it is.
    images: client,
  };
}
