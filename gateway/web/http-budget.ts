import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { capConnections } from '../../core/connection-caps.ts';

/**
 * What one HTTP client may cost a listener of the gateway (the web pages, the ops endpoints):
 * time to send its headers and its whole request, header bytes (the request line and URL
 * included), open connections in all and from one address. Bodies are capped by the handler
 * that reads them, while streaming (web/sign-in.ts).
 */
export interface HttpBudget {
  /** A client that has not sent all its headers by then is cut off (408, closed). */
  headersTimeoutMs: number;
  /** A client that has not sent its whole request (body included) by then is cut off. */
  requestTimeoutMs: number;
  /** An idle kept-alive connection is closed after this. */
  keepAliveTimeoutMs: number;
  /** Request line, URL and headers together; more gets 431 and a closed connection. */
  maxHeaderBytes: number;
  /** Open connections; more are closed at once by the listener. */
  maxConnections: number;
  /** Open connections from one address; more are closed at once. */
  maxConnectionsPerAddress: number;
}

/** The pages and the staff sign-in: a kiosk screen opens a few connections, all on the LAN. */
export const WEB_HTTP_BUDGET: HttpBudget = {
  headersTimeoutMs: 5000,
  requestTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5000,
  maxHeaderBytes: 16 * 1024,
  maxConnections: 512,
  maxConnectionsPerAddress: 32,
};

/** `/metrics`, `/healthz`, `/readyz`: a scraper and a supervisor or two. */
export const OPS_HTTP_BUDGET: HttpBudget = {
  headersTimeoutMs: 5000,
  requestTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5000,
  maxHeaderBytes: 8 * 1024,
  maxConnections: 64,
  maxConnectionsPerAddress: 16,
};

/**
 * A node:http server that keeps a budget:
 * - header and request timeouts checked every 500 ms (node checks every 30 s by default, so a
 *   slow-loris client held a connection for up to 40 s past a 10 s timeout);
 * - a request that carries a body is answered with `connection: close`, so that a body the
 *   handler did not read (refused early: too large, wrong type, unknown path) is never read on
 *   after the answer (node would drain it, a declared 100 MB, until the request timeout);
 * - connections over the total or per-address cap are closed as soon as they are accepted.
 */
export function budgetedServer(
  budget: HttpBudget,
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Server {
  const server = createServer(
    {
      headersTimeout: budget.headersTimeoutMs,
      requestTimeout: budget.requestTimeoutMs,
      keepAliveTimeout: budget.keepAliveTimeoutMs,
      maxHeaderSize: budget.maxHeaderBytes,
      connectionsCheckingInterval: 500,
    },
    (req, res) => {
      if (hasBody(req)) res.setHeader('connection', 'close');
      handler(req, res);
    },
  );
  capConnections(server, budget);
  return server;
}

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}
