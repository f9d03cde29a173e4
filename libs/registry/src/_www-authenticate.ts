/** One challenge from a `WWW-Authenticate` header. */
export interface AuthChallenge {
  /** The scheme, lowercased: `bearer` or `basic`. */
  scheme: string;
  /** The auth-params, names lowercased: `realm`, `service`, `scope`, `error`. */
  params: Record<string, string>;
}

/**
 * Parses a `WWW-Authenticate` header into its challenges, e.g.
 * `Bearer realm="https://auth.example.com/token",service="registry",scope="repository:a:pull"`.
 * Quoted values may contain commas (a scope list) and escaped quotes.
 */
export function parseWwwAuthenticate(header: string | null): AuthChallenge[] {
  if (!header) return [];
  const challenges: AuthChallenge[] = [];
  const token = /\s*([A-Za-z0-9!#$%&'*+.^_`|~-]+)\s*/y;
  const param = /\s*([A-Za-z0-9!#$%&'*+.^_`|~-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*/y;
  let index = 0;
  while (index < header.length) {
    token.lastIndex = index;
    const scheme = token.exec(header);
    if (!scheme) break;
    index = token.lastIndex;
    const challenge: AuthChallenge = { scheme: (scheme[1] ?? '').toLowerCase(), params: {} };
    challenges.push(challenge);
    for (;;) {
      param.lastIndex = index;
      const match = param.exec(header);
      if (!match) break;
      const [, name = '', quoted, bare] = match;
      challenge.params[name.toLowerCase()] =
        quoted === undefined ? (bare ?? '') : quoted.replace(/\\(.)/g, '$1');
      index = param.lastIndex;
      if (header[index] === ',') index += 1;
      else break;
    }
    while (header[index] === ',' || header[index] === ' ') index += 1;
  }
  return challenges;
}
