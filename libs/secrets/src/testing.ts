/**
 * Test helpers for the users of @datakit/secrets (e.g. the Kerberos sidecar's integration test):
 * a stand-in for Delinea Secret Server on 127.0.0.1. Never imported by production code.
 */
export {
  startDelineaTestServer,
  type DelineaTestServer,
  type DelineaTestServerOptions,
  type TestSecretField,
} from './providers/delinea/_delinea-test-server.ts';
