import { request, type IncomingHttpHeaders } from 'node:http';

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** False when the connection ended before Content-Length bytes arrived. */
  complete: boolean;
}

export interface RawOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Abort the request as soon as this many body bytes have arrived. */
  abortAfter?: number;
}

/**
 * One request with node:http, no redirects followed, no retries, and a short body reported as such
 * (fetch would throw and hide what arrived): what the self-tests need to see a fault's exact effect.
 */
export function rawRequest(url: string, options: RawOptions = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = request(url, { method: options.method ?? 'GET', headers: { 'accept-encoding': 'identity', ...options.headers } }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      let received = 0;
      let settled = false;
      const finish = () => {
        if (settled) return;
        settled = true;
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), complete: res.complete });
      };
      res.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        received += chunk.length;
        if (options.abortAfter !== undefined && received >= options.abortAfter) {
          finish();
          req.destroy();
        }
      });
      res.on('end', finish);
      res.on('close', finish);
      res.on('error', finish);
    });
    // After the response began, a reset is what the caller wants to observe (complete: false).
    req.on('error', (error) => {
      if (!answered) reject(error);
    });
    req.end(options.body);
  });
}
