import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request the test server saw. */
export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

/** A `node:http` server on 127.0.0.1 and a random port, for tests of the client's HTTP. */
export interface TestServer {
  url: string;
  requests: SeenRequest[];
  close(): Promise<void>;
}

/** What a test answers: status, headers, body (an object is sent as JSON). */
export interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer | object;
}

/** Starts a server that answers each request with `handle` (undefined: never answer). */
export async function startTestServer(
  handle: (request: SeenRequest) => Answer | undefined,
): Promise<TestServer> {
  const requests: SeenRequest[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const parts: Buffer[] = [];
    req.on('data', (part: Buffer) => parts.push(part));
    req.on('end', () => {
      const seen = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(parts),
      };
      requests.push(seen);
      const answer = handle(seen);
      if (answer === undefined) return;
      const body =
        answer.body === undefined
          ? Buffer.alloc(0)
          : typeof answer.body === 'string' || Buffer.isBuffer(answer.body)
            ? Buffer.from(answer.body)
            : Buffer.from(JSON.stringify(answer.body));
      res.writeHead(answer.status, { 'content-length': String(body.length), ...answer.headers });
      res.end(req.method === 'HEAD' ? undefined : body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port on 127.0.0.1 that nothing listens on (bound, then released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
