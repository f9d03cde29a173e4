import { createServer, type Server } from 'node:http';
import type { ReadinessReport } from './ready-file.ts';

/**
 * Serves `/healthz` (200 while the process runs) and `/readyz` (200 only when ready, 503
 * otherwise; both with the readiness report as JSON) on 127.0.0.1 only.
 */
export async function startHealthServer(
  port: number,
  report: () => ReadinessReport,
): Promise<Server> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    const send = (status: number, body: unknown): void => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(`${JSON.stringify(body)}\n`);
    };
    if (request.method !== 'GET' && request.method !== 'HEAD')
      return send(405, { error: 'GET only' });
    if (path === '/healthz') return send(200, { live: true });
    if (path === '/readyz') {
      const current = report();
      return send(current.ready ? 200 : 503, current);
    }
    return send(404, { error: 'not found', paths: ['/healthz', '/readyz'] });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return server;
}
