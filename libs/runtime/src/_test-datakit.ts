// A small datakit shared by this library's specs. Not exported from the package.
import { col, defineTable, defineTransform, withAudit } from '@datakit/contracts';
import * as z from 'zod';

import { defineDatakit } from './define-datakit.ts';
import type { DatakitIo } from './events.ts';

export const Customer = defineTable({
  name: 'customer',
  columns: {
    customer_id: col.integer().primaryKey(),
    email: col.text().nullable(),
    last_update: col.timestamptz().cursor(),
  },
});

export const BronzeCustomer = withAudit(
  defineTable({
    name: 'customer',
    schema: 'bronze',
    columns: {
      customer_id: col.integer().primaryKey(),
      email: col.text().nullable(),
      last_update: col.timestamptz(),
    },
  }),
);

export const Country = defineTable({
  name: 'country',
  columns: { country_id: col.integer().primaryKey(), country: col.text() },
});

export const BronzeCountry = withAudit(
  defineTable({
    name: 'country',
    schema: 'bronze',
    columns: { country_id: col.integer().primaryKey(), country: col.text() },
  }),
);

export const customerToBronze = defineTransform({
  from: Customer,
  to: BronzeCustomer,
  map: (row) => ({ ...row }),
});

export const countryToBronze = defineTransform({
  from: Country,
  to: BronzeCountry,
  map: (row) => ({ ...row }),
});

export const testDatakit = defineDatakit({
  name: 'test-kit',
  tables: [
    { source: Country, target: BronzeCountry, transform: countryToBronze, mode: 'replace' },
    { source: Customer, target: BronzeCustomer, transform: customerToBronze },
  ],
  parameters: z.strictObject({
    region: z.string().default('eu').describe('Region to load, e.g. "eu".'),
  }),
});

/** Captures what the runtime writes. */
export function captureIo(): DatakitIo & {
  out: string[];
  err: () => string;
  /** stderr without the timestamped log lines: the error paragraph. */
  errorParagraph: () => string;
  events: () => Record<string, unknown>[];
  exitCode: number | undefined;
} {
  const out: string[] = [];
  const err: string[] = [];
  const io = {
    out,
    exitCode: undefined as number | undefined,
    stdout: { write: (text: string) => out.push(text) },
    stderr: { write: (text: string) => err.push(text) },
    setExitCode: (code: number) => {
      io.exitCode = code;
    },
    err: () => err.join(''),
    errorParagraph: () =>
      err
        .join('')
        .split('\n')
        .filter((line) => !/^\d{4}-\d\d-\d\dT\S+ (DEBUG|INFO|WARN|ERROR) /.test(line))
        .join('\n'),
    events: () =>
      out
        .join('')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
  return io;
}
