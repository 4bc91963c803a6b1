/** A trust list of some 3 MB (60 certificates' worth of base64), told apart by its `marker`. */
export function bigTrustList(marker: 'A' | 'B'): { dsc: string[] } {
  const body = Buffer.alloc(36_000, marker).toString('base64');
  return {
    dsc: Array.from({ length: 60 }, (_, i) =>
      `${Buffer.from(`${marker}${i}`).toString('base64').replace(/=+$/, '')}${body}`.slice(0, 48_000),
    ),
  };
}
