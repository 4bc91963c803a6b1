/**
 * What one HTTP client may cost the camera listener, around the push body (whose bytes and time
 * are cameras.maxBodyBytes and cameras.requestTimeoutMs, push-body.ts). The same rules as the
 * gateway's own listeners (gateway/web/http-budget.ts), which devices/ may not import.
 */
export const CAMERA_HTTP_BUDGET = {
  /** A client that has not sent all its headers by then is cut off (408, closed). */
  headersTimeoutMs: 5000,
  /** An idle kept-alive connection is closed after this. */
  keepAliveTimeoutMs: 5000,
  /** Request line, URL and headers together; more gets 431 and a closed connection. */
  maxHeaderBytes: 16 * 1024,
  /** How often node checks the timeouts (its default, 30 s, let a slow client stay 30 s too long). */
  checkEveryMs: 500,
  /** Open connections; more are closed at once. A site has at most 128 cameras. */
  maxConnections: 256,
  /** Open connections from one address (a camera pushes one event at a time); more are closed at once. */
  maxConnectionsPerAddress: 16,
  /** Authorised pushes whose bodies are being read at once; more get 503 (the camera retries). */
  maxPushesInFlight: 32,
} as const;
