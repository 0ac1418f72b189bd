import { open, type FileHandle } from 'node:fs/promises';

/**
 * Random-access bytes: a file on disk, a buffer, or a window of another source (an archive entry).
 * Parsers read only what they need (headers, pickles), never whole tensors.
 */
export interface ByteSource {
  readonly size: number;
  /** Reads exactly `length` bytes at `offset`, or fewer only at the end of the source. */
  read(offset: number, length: number): Promise<Uint8Array>;
  /** Human label for errors ("model.pt", "model.pt > archive/data.pkl"). */
  readonly label: string;
}

export function bufferSource(bytes: Uint8Array, label: string): ByteSource {
  return {
    size: bytes.length,
    label,
    async read(offset, length) {
      const start = Math.max(0, Math.min(offset, bytes.length));
      const end = Math.max(start, Math.min(offset + length, bytes.length));
      return bytes.subarray(start, end);
    },
  };
}

/** A window [start, start+size) of another source; reads are clamped to the window. */
export function sliceSource(parent: ByteSource, start: number, size: number, label: string): ByteSource {
  return {
    size,
    label,
    async read(offset, length) {
      const from = Math.max(0, Math.min(offset, size));
      const to = Math.max(from, Math.min(offset + length, size));
      if (to === from) return new Uint8Array(0);
      return parent.read(start + from, to - from);
    },
  };
}

export interface FileByteSource extends ByteSource {
  close(): Promise<void>;
}

export async function openFileSource(path: string, label: string): Promise<FileByteSource> {
  const handle: FileHandle = await open(path, 'r');
  const { size } = await handle.stat();
  return {
    size,
    label,
    async read(offset, length) {
      const from = Math.max(0, Math.min(offset, size));
      const want = Math.max(0, Math.min(length, size - from));
      const buffer = Buffer.allocUnsafe(want);
      let got = 0;
      while (got < want) {
        const { bytesRead } = await handle.read(buffer, got, want - got, from + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      return got === want ? buffer : buffer.subarray(0, got);
    },
    close: () => handle.close(),
  };
}

/** Reads a whole source into memory; callers bound `source.size` first. */
export async function readAll(source: ByteSource): Promise<Uint8Array> {
  return source.read(0, source.size);
}
