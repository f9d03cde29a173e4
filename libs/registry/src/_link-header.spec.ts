import { describe, expect, it } from 'vitest';
import { nextLink } from './_link-header.ts';

const BASE = 'http://127.0.0.1:5000/v2/_catalog?n=2';

describe('nextLink', () => {
  it('resolves the next page of a distribution Link header against the base', () => {
    expect(nextLink('</v2/_catalog?last=b&n=2>; rel="next"', BASE)).toBe(
      'http://127.0.0.1:5000/v2/_catalog?last=b&n=2',
    );
  });

  it('returns undefined without a header or a next link', () => {
    expect(nextLink(null, BASE)).toBeUndefined();
    expect(nextLink('</v2/_catalog?n=2>; rel="prev"', BASE)).toBeUndefined();
  });

  it('finds next among several links and unquoted or multi-valued rels', () => {
    expect(nextLink('</a>; rel="prev", </b?x=1,2>; rel=next', BASE)).toBe(
      'http://127.0.0.1:5000/b?x=1,2',
    );
    expect(nextLink('<https://other.example/c>; title="t"; rel="last next"', BASE)).toBe(
      'https://other.example/c',
    );
  });
});
