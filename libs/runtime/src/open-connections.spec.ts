import type { SourceSession, TargetSession } from '@datakit/databases';
import { describe, expect, it } from 'vitest';

import type { NormalizedRuntimeConfig } from './load-config.ts';
import { openConnections } from './open-connections.ts';
import type { DatakitServices } from './services.ts';

const config = {
  source: { name: 'src' },
  target: { name: 'tgt' },
} as unknown as NormalizedRuntimeConfig;

/** Services whose sessions open after `ms` (or fail), recording what opened and closed. */
function services(plan: { source: number | Error; target: number | Error }) {
  const events: string[] = [];
  const open = (side: 'source' | 'target') => async () => {
    const step = plan[side];
    events.push(`${side} opening`);
    await new Promise((resolve) => setTimeout(resolve, typeof step === 'number' ? step : 5));
    if (step instanceof Error) throw step;
    events.push(`${side} open`);
    return {
      close: async () => {
        events.push(`${side} closed`);
      },
    };
  };
  return {
    events,
    services: {
      openSource: open('source') as unknown as DatakitServices['openSource'],
      openTarget: open('target') as unknown as DatakitServices['openTarget'],
    } as DatakitServices,
  };
}

describe('openConnections', () => {
  it('opens the source and the target at once', async () => {
    const { events, services: s } = services({ source: 30, target: 10 });
    const opened = await openConnections(s, config);
    expect(events.slice(0, 2)).toEqual(['source opening', 'target opening']);
    expect(events.indexOf('target open')).toBeLessThan(events.indexOf('source open'));
    await opened.close();
    expect(events).toContain('source closed');
    expect(events).toContain('target closed');
    void (opened.source satisfies SourceSession);
    void (opened.target satisfies TargetSession);
  });

  it('closes the source when the target fails, and throws the target failure', async () => {
    const { events, services: s } = services({ source: 5, target: new Error('target refused') });
    await expect(openConnections(s, config)).rejects.toThrow('target refused');
    expect(events).toContain('source closed');
  });

  it('closes the target when the source fails, and throws the source failure first', async () => {
    const { events, services: s } = services({
      source: new Error('source refused'),
      target: 5,
    });
    await expect(openConnections(s, config)).rejects.toThrow('source refused');
    expect(events).toContain('target closed');
    const both = services({ source: new Error('source refused'), target: new Error('no target') });
    await expect(openConnections(both.services, config)).rejects.toThrow('source refused');
  });
});
