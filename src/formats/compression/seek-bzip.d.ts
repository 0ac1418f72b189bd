declare module 'seek-bzip' {
  interface OutputStream {
    writeByte(byte: number): void;
  }
  const Bunzip: {
    decode(input: Uint8Array, output?: OutputStream | number | Uint8Array, multistream?: boolean): Uint8Array | undefined;
  };
  export default Bunzip;
}
