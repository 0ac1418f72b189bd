/** Why decompression stopped early, if it did. */
export type StopReason = 'bomb' | 'limit';

/** Bounded output collector shared by every decoder: refuses bytes past the cap and says why. */
export class BoundedOutput {
  private readonly chunks: Uint8Array[] = [];
  produced = 0;
  stopped: StopReason | undefined;

  constructor(
    private readonly limit: number,
    private readonly ratioCap: number,
  ) {}

  get cap(): number {
    return Math.min(this.limit, this.ratioCap);
  }

  /** Returns false once the cap is reached; the decoder must stop. */
  push(chunk: Uint8Array): boolean {
    if (this.stopped) return false;
    const room = this.cap - this.produced;
    if (chunk.length > room) {
      this.chunks.push(chunk.subarray(0, room));
      this.produced += room;
      this.stopped = this.ratioCap < this.limit ? 'bomb' : 'limit';
      return false;
    }
    this.chunks.push(chunk);
    this.produced += chunk.length;
    return true;
  }

  /** Marks the output as over its cap when a decoder detects it before pushing. */
  overflow(): void {
    this.stopped ??= this.ratioCap < this.limit ? 'bomb' : 'limit';
  }

  bytes(): Uint8Array {
    return Buffer.concat(this.chunks);
  }
}

/** Ratios only matter once output is big enough to hurt. */
const RATIO_FLOOR = 16 * 1024 * 1024;

export function outputFor(compressedSize: number, limits: { maxInflateBytes: number; maxCompressionRatio: number }): BoundedOutput {
  return new BoundedOutput(limits.maxInflateBytes, Math.max(RATIO_FLOOR, compressedSize * limits.maxCompressionRatio));
}
