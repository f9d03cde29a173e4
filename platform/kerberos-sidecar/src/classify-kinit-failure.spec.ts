import { describe, expect, it } from 'vitest';
import { classifyKinitFailure, summariseStderr } from './classify-kinit-failure.ts';

describe('classifyKinitFailure', () => {
  it.each([
    [
      "kinit: Cannot contact any KDC for realm 'DATAKIT.TEST' while getting initial credentials",
      'kdc-unreachable',
    ],
    ['kinit: Preauthentication failed while getting initial credentials', 'wrong-keytab'],
    [
      'kinit: Keytab contains no suitable keys for datakit-loader@DATAKIT.TEST while getting initial credentials',
      'wrong-keytab',
    ],
    ['kinit: Key table entry not found while getting initial credentials', 'wrong-keytab'],
    ['kinit: Clock skew too great while getting initial credentials', 'clock-skew'],
    [
      "kinit: Client 'nobody@DATAKIT.TEST' not found in Kerberos database while getting initial credentials",
      'unknown-principal',
    ],
    ['kinit: Ticket expired while renewing credentials', 'ticket-expired'],
    ['kinit: KDC policy rejects request while renewing credentials', 'not-renewable'],
    ['kinit: Something new while getting initial credentials', 'other'],
  ])('classifies "%s" as %s', (stderr, reason) => {
    expect(classifyKinitFailure(stderr)).toBe(reason);
  });
});

describe('summariseStderr', () => {
  it('joins lines into one', () => {
    expect(summariseStderr('kinit: a\n  b\n')).toBe('kinit: a b');
  });

  it('cuts long messages to the maximum length', () => {
    expect(summariseStderr('x'.repeat(500), 10)).toHaveLength(10);
  });
});
