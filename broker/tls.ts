import { type Stats, unwatchFile, watchFile } from 'node:fs';
import type { TlsOptions as NodeTlsOptions, SecureContextOptions, Server as TlsServer } from 'node:tls';
import { ErrorCode, errorMessage, GatepostError } from '../core/errors.ts';
import { readFileCapped } from '../core/read-file-capped.ts';
import type { BrokerLog } from './broker-log.ts';

export interface TlsListenerOptions {
  enabled: boolean;
  host: string;
  port: number;
}

/** TLS for the broker: an mqtts:// listener and a wss:// listener, sharing one certificate. */
export interface TlsOptions {
  certFile: string;
  keyFile: string;
  /** CA to check client certificates against (with requireClientCert). */
  caFile?: string;
  /** Refuse clients without a certificate signed by caFile (e.g. the central office's bridge). */
  requireClientCert?: boolean;
  tcp: TlsListenerOptions;
  websocket: TlsListenerOptions;
}

/**
 * The certificate, key and CA files, read at start and again when they change on disk: a renewed
 * certificate is used for new connections without a restart (connections already open keep the
 * old one until they reconnect).
 */
export class TlsFiles {
  private readonly servers: TlsServer[] = [];
  private readonly watched: { file: string; listener: (cur: Stats, prev: Stats) => void }[] = [];
  private reloadTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly o: TlsOptions,
    private readonly log: BrokerLog,
  ) {
    this.context();
  }

  /** Options for tls.createServer / https.createServer; throws a GatepostError if a file is unusable. */
  serverOptions(): NodeTlsOptions {
    return {
      ...this.context(),
      minVersion: 'TLSv1.2',
      requestCert: this.o.requireClientCert === true,
      rejectUnauthorized: this.o.requireClientCert === true,
      handshakeTimeout: 10_000,
    };
  }

  private context(): SecureContextOptions {
    const read = (file: string, what: string) => {
      try {
        // Capped while reading, regular files only (a CA bundle is some 200 KiB).
        return readFileCapped(file, 1024 * 1024);
      } catch (e) {
        throw new GatepostError(
          ErrorCode.ConfigUnreadable,
          `cannot read the TLS ${what} ${file}: ${errorMessage(e)}`,
        );
      }
    };
    const ctx: SecureContextOptions = {
      cert: read(this.o.certFile, 'certificate'),
      key: read(this.o.keyFile, 'key'),
    };
    if (this.o.caFile) ctx.ca = read(this.o.caFile, 'CA');
    if (this.o.requireClientCert && !this.o.caFile) {
      throw new GatepostError(
        ErrorCode.ConfigInvalid,
        'broker.tls.requireClientCert needs broker.tls.caFile',
      );
    }
    return ctx;
  }

  /** Reloads the files into these servers whenever one of them changes. */
  watch(servers: TlsServer[], intervalMs = 5000): void {
    this.servers.push(...servers);
    if (this.watched.length) return;
    const files = [this.o.certFile, this.o.keyFile, ...(this.o.caFile ? [this.o.caFile] : [])];
    for (const file of files) {
      const listener = (cur: Stats, prev: Stats) => {
        if (cur.mtimeMs === prev.mtimeMs && cur.ino === prev.ino) return;
        // A certificate and its key are usually replaced one after the other: wait for both.
        clearTimeout(this.reloadTimer);
        this.reloadTimer = setTimeout(() => this.reload(), 500);
        this.reloadTimer.unref();
      };
      watchFile(file, { interval: intervalMs, persistent: false }, listener);
      this.watched.push({ file, listener });
    }
  }

  /** Reads the files again and uses them for new connections; a bad set is logged and the old one kept. */
  reload(): boolean {
    try {
      const ctx = this.context();
      for (const s of this.servers) s.setSecureContext(ctx);
      this.log.info({ certFile: this.o.certFile }, 'TLS certificate reloaded');
      return true;
    } catch (e) {
      this.log.error({ err: errorMessage(e) }, 'TLS files not reloaded; keeping the previous certificate');
      return false;
    }
  }

  close(): void {
    clearTimeout(this.reloadTimer);
    for (const w of this.watched) unwatchFile(w.file, w.listener);
    this.watched.length = 0;
  }
}
