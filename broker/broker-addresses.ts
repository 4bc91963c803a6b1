/** Where a started broker listens, and the gateway's way in. */
export interface BrokerAddresses {
  /** The ports actually bound (they differ from the config where it asked for 0). */
  readonly tcpPort: number | undefined;
  readonly wsPort: number | undefined;
  readonly tlsPort: number | undefined;
  readonly wssPort: number | undefined;
  /** mqtt://host:port of the TCP listener, for local clients. */
  readonly url: string | undefined;
  /** The gateway process's own credentials here (role gateway, from this box only, this run only). */
  readonly gatewayCredentials: { username: string; password: string };
}

/** A broker's addresses as plain data (to hand to another thread, or to copy into a handle). */
export function addressesOf(b: BrokerAddresses): BrokerAddresses {
  const { tcpPort, wsPort, tlsPort, wssPort, url, gatewayCredentials } = b;
  return { tcpPort, wsPort, tlsPort, wssPort, url, gatewayCredentials };
}
