// npm run bench:rows — the loader's per-row work alone, one run on one machine, figures printed
// (not a timed test): RowProcessor over a captured binary COPY stream of bench:load's wide
// table (BENCH_ROWS rows, default 200,000; captured once into the OS temp folder), with the
// bronze copy written as a projection (`columns: 'same'`, proved from the bytes) and as a map
// (every value decoded, validated, checked again), alternating, BENCH_TRIALS each (default 5).
// No servers in the timed part: this is the datakit's own CPU, which on a 2-core machine
// competes with both PostgreSQL servers in a real load. The last line is one JSON object.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { AnyTransform } from '@datakit/contracts';
import { RowProcessor } from '@datakit/databases/testing';
import { localInfra } from '@datakit/local-infra';
import { psqlEnv } from './_psql.ts';
import {
  BronzeWide,
  WIDE_DDL,
  Wide,
  wideRowsSql,
  wideToBronze,
  wideToBronzeByMap,
} from './_wide-datakit.ts';

const rows = Number(process.env.BENCH_ROWS ?? 200_000);
const trials = Math.max(1, Number(process.env.BENCH_TRIALS ?? 5));
const CHUNK = 64 * 1024;
const log = (message: string): void => void process.stderr.write(`[bench:rows] ${message}\n`);

/** The wide table's binary COPY data, made in a scratch schema and kept in a file. */
async function capture(): Promise<Buffer> {
  const file = join(tmpdir(), `datakit-bench-rows-wide-${rows}.bin`);
  if (existsSync(file)) return readFileSync(file);
  const connection = localInfra().postgres.connection('datakit_admin', 'pagila');
  const client = new pg.Client(connection);
  await client.connect();
  try {
    await client.query('drop schema if exists bench_rows cascade; create schema bench_rows');
    await client.query(`create table bench_rows.wide ${WIDE_DDL}`);
    await client.query(wideRowsSql('bench_rows', rows));
    const copy = spawnSync(
      'psql',
      ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c', 'COPY bench_rows.wide TO STDOUT (FORMAT binary)'],
      {
        env: psqlEnv(connection),
        maxBuffer: 1 << 30,
      },
    );
    if (copy.status !== 0) throw new Error(`psql COPY failed: ${copy.stderr.toString()}`);
    writeFileSync(file, copy.stdout);
    return copy.stdout;
  } finally {
    await client.query('drop schema if exists bench_rows cascade').catch(() => undefined);
    await client.end();
  }
}

/** Seconds to process the whole stream, and that every row was accepted. */
function processAll(data: Buffer, transform: AnyTransform): number {
  const processor = new RowProcessor({
    source: Wide,
    target: BronzeWide,
    transform,
    cursor: null,
    lineSuffix: '',
    maxStoredRejects: 10,
    format: 'binary',
  });
  const start = process.hrtime.bigint();
  for (let at = 0; at < data.length; at += CHUNK) {
    processor.pushCopy(data.subarray(at, at + CHUNK));
    processor.take();
  }
  processor.endCopy();
  processor.take();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (processor.counts.accepted !== rows) {
    throw new Error(`expected ${rows} rows accepted, got ${JSON.stringify(processor.counts)}`);
  }
  return seconds;
}

const median = (values: readonly number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

const data = await capture();
log(`${rows} wide rows, ${data.length} bytes of binary COPY data`);
const legs = { projection: wideToBronze, map: wideToBronzeByMap } as Record<string, AnyTransform>;
const times: Record<string, number[]> = { projection: [], map: [] };
for (let trial = 0; trial < trials; trial += 1) {
  for (const [label, transform] of Object.entries(legs)) {
    const seconds = processAll(data, transform);
    times[label]?.push(seconds);
    log(`trial ${trial + 1} (${label}): ${seconds.toFixed(3)} s`);
  }
}
const projection = median(times.projection ?? []);
const map = median(times.map ?? []);
log(`median (projection) ${projection.toFixed(3)} s, ${Math.round(rows / projection)} rows/s`);
log(`median (map) ${map.toFixed(3)} s, ${Math.round(rows / map)} rows/s`);
process.stdout.write(
  `${JSON.stringify({
    rows,
    trials,
    projection_s: Number(projection.toFixed(3)),
    map_s: Number(map.toFixed(3)),
    map_over_projection: Number((map / projection).toFixed(2)),
    projection_us_per_row: Number(((projection / rows) * 1e6).toFixed(2)),
    map_us_per_row: Number(((map / rows) * 1e6).toFixed(2)),
  })}\n`,
);
