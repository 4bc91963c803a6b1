// The base45 package ships no types. Its decode does not reject bad input: see hc1-decode.ts.
declare module 'base45' {
  const base45: {
    encode(input: Uint8Array | string): string;
    decode(input: string): Buffer;
  };
  export default base45;
}
