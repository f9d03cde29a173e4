import { describe, expect, it } from 'vitest';
import { parseSidecarConfig } from './config.ts';

const minimal = {
  SIDECAR_PRINCIPAL: 'datakit-loader@DATAKIT.TEST',
  SIDECAR_KEYTAB: 'file:/run/secrets/keytab',
};

describe('parseSidecarConfig', () => {
  it('applies every default to a minimal environment', () => {
    expect(parseSidecarConfig({}, minimal)).toEqual({
      principal: 'datakit-loader@DATAKIT.TEST',
      keytab: { kind: 'file', path: '/run/secrets/keytab' },
      secretProvider: { kind: 'file', strictPermissions: false },
      krb5Config: '/etc/krb5.conf',
      ccache: 'FILE:/var/run/datakit/krb5/ccache',
      ccachePath: '/var/run/datakit/krb5/ccache',
      keytabDir: '/dev/shm',
      allowNonTmpfsKeytab: false,
      renewMarginMs: 600_000,
      ticketLifetime: undefined,
      renewableLifetime: '7d',
      readyFile: '/var/run/datakit/krb5/ready',
      httpPort: 8754,
      cacheUid: 10001,
      cacheGid: 10001,
      retryBaseMs: 5_000,
      retryMaxMs: 60_000,
      commandTimeoutMs: 30_000,
    });
  });

  it('lets the environment win over the config file', () => {
    const config = parseSidecarConfig(
      { ...{ principal: 'a@X', keytab: 'env:KT' }, renewMarginSeconds: 60 },
      {
        SIDECAR_RENEW_MARGIN_SECONDS: '30',
      },
    );
    expect(config.renewMarginMs).toBe(30_000);
  });

  it('reads true and false flags from text', () => {
    expect(
      parseSidecarConfig({}, { ...minimal, SIDECAR_ALLOW_NON_TMPFS_KEYTAB: 'true' })
        .allowNonTmpfsKeytab,
    ).toBe(true);
  });

  it('names every invalid field with its variable at once', () => {
    expect(() =>
      parseSidecarConfig(
        {},
        {
          SIDECAR_KEYTAB: 'keytab.bin',
          SIDECAR_CCACHE: 'KEYRING:persistent:1000',
          SIDECAR_HTTP_PORT: '70000',
          SIDECAR_RENEW_MARGIN_SECONDS: 'soon',
        },
      ),
    ).toThrowErrorMatchingInlineSnapshot(`
      [ConfigError: Invalid Kerberos sidecar configuration (environment):
        - principal (SIDECAR_PRINCIPAL): required: the Kerberos principal to get tickets for
        - keytab (SIDECAR_KEYTAB): "keytab.bin" is not a secret reference; expected file:<absolute path>, env:<VARIABLE> or delinea:<secretId>/<fieldSlug>.
        - ccache (SIDECAR_CCACHE): expected FILE:<absolute path>, e.g. FILE:/var/run/datakit/krb5/ccache
        - renewMarginSeconds (SIDECAR_RENEW_MARGIN_SECONDS): expected a number of seconds
        - httpPort (SIDECAR_HTTP_PORT): expected 0 (off) or a port 1-65535]
    `);
  });

  it('rejects unknown keys in the config file', () => {
    expect(() =>
      parseSidecarConfig({ principal: 'a@X', keytab: 'env:KT', renewMargin: 5 }, {}),
    ).toThrow('renewMargin');
  });

  it('asks for the Secret Server URL and credentials file for a delinea keytab', () => {
    expect(() =>
      parseSidecarConfig({}, { ...minimal, SIDECAR_KEYTAB: 'delinea:4711/keytab' }),
    ).toThrow(
      /delineaBaseUrl \(SIDECAR_DELINEA_BASE_URL\)[^]*delineaCredentialsFile \(SIDECAR_DELINEA_CREDENTIALS_FILE\)/,
    );
  });

  it('builds a delinea provider from the two delinea fields', () => {
    const config = parseSidecarConfig(
      {},
      {
        ...minimal,
        SIDECAR_KEYTAB: 'delinea:4711/keytab',
        SIDECAR_DELINEA_BASE_URL: 'https://secrets.example/SecretServer/',
        SIDECAR_DELINEA_CREDENTIALS_FILE: '/run/secrets/delinea.json',
      },
    );
    expect(config.secretProvider).toMatchObject({
      kind: 'delinea',
      baseUrl: 'https://secrets.example/SecretServer',
      credentialsFile: '/run/secrets/delinea.json',
    });
  });
});
