import { describe, expect, it } from 'vitest';
import { createSecretProvider } from '../../create-secret-provider.ts';
import { parseSecretRef } from '../../secret-ref.ts';

const env = process.env;

// Delinea Secret Server is a commercial product that cannot run in CI or on a laptop here; this
// test runs only where one is reachable and these are set: DATAKIT_DELINEA_URL (the application
// URL, e.g. https://host/SecretServer), DATAKIT_DELINEA_CREDENTIALS_FILE (JSON with username,
// password, optional domain) and DATAKIT_DELINEA_SECRET_REF (e.g. delinea:4711/keytab).
describe.skipIf(!env.DATAKIT_DELINEA_URL)(
  'DelineaSecretProvider against a real Secret Server',
  () => {
    const provider = () =>
      createSecretProvider({
        kind: 'delinea',
        baseUrl: env.DATAKIT_DELINEA_URL ?? '',
        credentialsFile: env.DATAKIT_DELINEA_CREDENTIALS_FILE ?? '',
      });

    it('reads the configured field and never prints it', async () => {
      const ref = env.DATAKIT_DELINEA_SECRET_REF ?? '';
      const secret = await provider().get(ref);
      try {
        expect(secret.byteLength).toBeGreaterThan(0);
        expect(String(secret)).toBe(`[secret ${ref}]`);
      } finally {
        secret.dispose();
      }
    });

    it('names the missing field and lists the real ones', async () => {
      const ref = parseSecretRef(env.DATAKIT_DELINEA_SECRET_REF ?? '');
      if (ref.kind !== 'delinea') throw new Error('DATAKIT_DELINEA_SECRET_REF must be delinea:...');
      await expect(
        provider().get({ ...ref, field: 'datakit-no-such-field' }),
      ).rejects.toMatchObject({ code: 'field-not-found' });
    });
  },
);
