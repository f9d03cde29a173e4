import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';

import { CopyOutStream } from './copy-out.ts';

/** A backend message: its code, a length counting itself, the body. */
const message = (code: string, body: Buffer | string = Buffer.alloc(0)): Buffer => {
  const content = Buffer.from(body);
  const header = Buffer.alloc(5);
  header.write(code, 0, 'latin1');
  header.writeUInt32BE(content.length + 4, 1);
  return Buffer.concat([header, content]);
};

/**
 * A stand-in for node-postgres's connection: a socket with pg's one data listener (which
 * collects what it is handed) and the query it is asked to send. The socket gives the bytes
 * in the pieces given, one piece per read, as a real socket gives what each read returned.
 */
function connection(pieces: Buffer[]) {
  const socket = new Readable({ objectMode: true, read: () => undefined });
  const handedBack: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => handedBack.push(chunk));
  socket.pause();
  const sent: string[] = [];
  return {
    socket,
    handedBack,
    sent,
    connection: {
      stream: socket as Readable,
      query: (text: string) => {
        sent.push(text);
        // Copies: the stream takes the data out of the chunks it reads in place.
        for (const piece of pieces) socket.push(Buffer.from(piece));
      },
    },
  };
}

async function collect(stream: CopyOutStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const ROWS = ['first row\n', 'second, longer row\n', '', 'x'.repeat(70_000), 'last\n'];
const DATA = Buffer.concat(ROWS.map((row) => Buffer.from(row)));
const BYTES = Buffer.concat([
  message('H', Buffer.from([0, 0, 1, 0, 0])),
  message('d', ROWS[0]),
  message('N', 'SNOTICE\0Mhello\0\0'),
  message('d', ROWS[1]),
  message('d', ROWS[2]),
  message('S', 'application_name\0x\0'),
  message('d', ROWS[3]),
  message('A', Buffer.from([0, 0, 0, 1, 0x63, 0, 0])),
  message('d', ROWS[4]),
  message('c'),
]);
const AFTER = Buffer.concat([message('C', 'COPY 5\0'), message('Z', 'I')]);

describe('CopyOutStream', () => {
  it('gives the COPY data alone, however the socket cuts the messages, and hands the rest back', async () => {
    const all = Buffer.concat([BYTES, AFTER]);
    for (const cut of [
      1,
      2,
      3,
      4,
      5,
      6,
      7,
      20,
      36,
      37,
      38,
      100,
      70_050,
      all.length - 12,
      all.length - 1,
    ]) {
      const fake = connection([all.subarray(0, cut), all.subarray(cut)]);
      const stream = new CopyOutStream('COPY t TO STDOUT');
      stream.submit(fake.connection);
      expect(fake.sent).toEqual(['COPY t TO STDOUT']);
      expect(await collect(stream)).toEqual(DATA);
      // node-postgres gets its listener back and every byte after CopyDone, in order.
      await new Promise((resolve) => setImmediate(resolve));
      expect(fake.socket.listenerCount('readable')).toBe(0);
      expect(Buffer.concat(fake.handedBack)).toEqual(AFTER);
    }
  });

  it('pushes whole messages: a row the socket cut arrives in one piece', async () => {
    const all = Buffer.concat([BYTES, AFTER]);
    const rowStarts = [0];
    for (const row of ROWS) rowStarts.push((rowStarts.at(-1) as number) + row.length);
    for (const cut of [3, 36, 40, 1_000, 50_000, 70_040]) {
      const fake = connection([
        all.subarray(0, cut),
        all.subarray(cut, cut + 7),
        all.subarray(cut + 7),
      ]);
      const stream = new CopyOutStream('COPY t TO STDOUT');
      stream.submit(fake.connection);
      let at = 0;
      for await (const chunk of stream) {
        at += (chunk as Buffer).length;
        expect(rowStarts).toContain(at);
      }
      expect(at).toBe(DATA.length);
    }
  });

  it('gives the same data when every byte arrives alone', async () => {
    const all = Buffer.concat([BYTES, AFTER]);
    const fake = connection([...all].map((byte) => Buffer.from([byte])));
    const stream = new CopyOutStream('COPY t TO STDOUT');
    stream.submit(fake.connection);
    expect(await collect(stream)).toEqual(DATA);
    await new Promise((resolve) => setImmediate(resolve));
    expect(Buffer.concat(fake.handedBack)).toEqual(AFTER);
  });

  it('hands an ErrorResponse back to node-postgres and fails with the error it reports', async () => {
    const error = message('E', 'SERROR\0C22012\0Mdivision by zero\0\0');
    const fake = connection([
      Buffer.concat([message('H', Buffer.alloc(3)), message('d', 'a\n'), error, message('Z', 'I')]),
    ]);
    const stream = new CopyOutStream('COPY t TO STDOUT');
    stream.submit(fake.connection);
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    const failed = new Promise<Error>((resolve) => stream.on('error', resolve));
    await new Promise((resolve) => setImmediate(resolve));
    // pg's parser now holds the error message (and what follows); it calls handleError.
    expect(Buffer.concat(fake.handedBack)).toEqual(Buffer.concat([error, message('Z', 'I')]));
    stream.handleError(new Error('division by zero'));
    expect((await failed).message).toBe('division by zero');
    expect(Buffer.concat(chunks).toString()).toBe('a\n');
  });

  it('takes the row count from the CommandComplete tag', () => {
    const stream = new CopyOutStream('COPY t TO STDOUT');
    stream.handleCommandComplete({ text: 'COPY 1234567' });
    expect(stream.rowCount).toBe(1_234_567);
  });

  it('refuses a connection whose socket has no single data listener', () => {
    const socket = new PassThrough();
    expect(() =>
      new CopyOutStream('COPY t TO STDOUT').submit({ stream: socket, query: () => undefined }),
    ).toThrow('expected one data listener on the connection, found 0');
  });
});
