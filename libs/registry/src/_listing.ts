import { RegistryError } from '@datakit/errors';
import { nextLink } from './_link-header.ts';
import type { Transport } from './_transport.ts';

/** Reads every page of a paginated list (`_catalog`, `tags/list`), following `Link: rel=next`. */
export async function listAllPages(
  transport: Transport,
  firstPage: string,
  key: 'repositories' | 'tags',
  subject: string,
  scope: string | undefined,
): Promise<string[]> {
  const items: string[] = [];
  const seen = new Set<string>();
  for (let url: string | undefined = firstPage; url !== undefined;) {
    // A registry that answers the same page twice would loop forever: stop and say so.
    if (seen.has(url)) {
      throw new RegistryError(`The registry's pagination of ${subject} loops at ${url}.`, url);
    }
    seen.add(url);
    const response = await transport.request({
      method: 'GET',
      url,
      headers: { accept: 'application/json' },
      expect: [200],
      subject,
      scope,
    });
    const page = parsePage(response.body, key);
    if (page === undefined) {
      throw new RegistryError(
        `The registry answered ${subject} with a body that has no "${key}" list.`,
        response.url,
        response.status,
      );
    }
    items.push(...page);
    url = nextLink(response.headers.get('link'), response.url);
  }
  return items;
}

function parsePage(body: Buffer, key: string): string[] | undefined {
  try {
    const json = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    const list = json[key];
    // Distribution answers `"tags": null` for a repository whose tags were all deleted.
    if (list === null) return [];
    if (Array.isArray(list) && list.every((item) => typeof item === 'string')) return list;
    return undefined;
  } catch {
    return undefined;
  }
}
