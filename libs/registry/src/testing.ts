// Test helpers of @datakit/registry (`@datakit/registry/testing`), not part of its API: the
// token issuer that the token-auth registry on 127.0.0.1:5002 sends clients to, for tests in
// other projects that pull or deploy through that registry.
export {
  startTokenIssuer,
  type TokenIssuer,
  type TokenIssuerOptions,
  type TokenSigner,
} from './_token-issuer.ts';
