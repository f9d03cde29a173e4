/**
 * The target of the `rel="next"` link in an RFC 8288 `Link` header, resolved against `base`,
 * or undefined when there is none. Distribution paginates `_catalog` and `tags/list` this way:
 * `</v2/_catalog?last=b&n=2>; rel="next"`.
 */
export function nextLink(header: string | null, base: string): string | undefined {
  if (!header) return undefined;
  const link = /<([^>]*)>((?:\s*;\s*[^;,]+)*)/g;
  for (const match of header.matchAll(link)) {
    const [, target = '', params = ''] = match;
    const rel = /;\s*rel\s*=\s*"?([^";]+)"?/i.exec(params)?.[1];
    if (rel?.split(/\s+/).some((value) => value.toLowerCase() === 'next')) {
      return new URL(target, base).toString();
    }
  }
  return undefined;
}
