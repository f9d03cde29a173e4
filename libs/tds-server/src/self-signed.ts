import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A throw-away certificate and key, as PEM bytes and as the files they were written to. */
export interface TestCertificate {
  cert: Buffer;
  key: Buffer;
  certFile: string;
  keyFile: string;
}

/**
 * Makes a throw-away self-signed certificate for a test run with `openssl` (valid one day, for
 * `localhost` and 127.0.0.1), written as `<name>.pem` and `<name>.key` in `dir`: what the TDS
 * test server's `tls` option takes. Test keys only, never used elsewhere.
 */
export function selfSignedCertificate(
  dir: string,
  options: { name?: string; subject?: string } = {},
): TestCertificate {
  const name = options.name ?? 'server';
  const certFile = join(dir, `${name}.pem`);
  const keyFile = join(dir, `${name}.key`);
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      options.subject ?? '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    { stdio: 'ignore' },
  );
  return { cert: readFileSync(certFile), key: readFileSync(keyFile), certFile, keyFile };
}
