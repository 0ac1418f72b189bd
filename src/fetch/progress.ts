import cliProgress from 'cli-progress';

export interface Progress {
  addTotal(bytes: number): void;
  advance(delta: number): void;
  stop(): void;
}

const SILENT: Progress = { addTotal: () => undefined, advance: () => undefined, stop: () => undefined };

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = Math.max(0, n);
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value.toFixed(0) : value.toFixed(1)} ${units[unit]}`;
}

/**
 * One aggregated bytes bar (like huggingface_hub's) on a TTY: done/total, rate, ETA. It never prints a
 * file name: names come from the hub and could carry terminal escape sequences.
 */
export function createProgress(enabled: boolean, stream: NodeJS.WritableStream, label: string): Progress {
  if (!enabled) return SILENT;
  const bar = new cliProgress.SingleBar(
    {
      stream: stream as NodeJS.WriteStream,
      format: `${label} [{bar}] {percentage}% | {done}/{all} | {rate}/s | ETA {eta_formatted}`,
      hideCursor: false,
      clearOnComplete: false,
      etaBuffer: 50,
      fps: 5,
      noTTYOutput: true,
      notTTYSchedule: 2000,
    },
    cliProgress.Presets.legacy,
  );
  const started = Date.now();
  let total = 0;
  let value = 0;
  let running = false;
  const payload = () => ({ done: formatBytes(value), all: formatBytes(total), rate: formatBytes((value * 1000) / Math.max(1, Date.now() - started)) });
  return {
    addTotal(bytes) {
      total += bytes;
      if (!running) {
        bar.start(Math.max(total, 1), value, payload());
        running = true;
      } else bar.setTotal(Math.max(total, 1));
    },
    advance(delta) {
      value += delta;
      if (running) bar.update(value, payload());
    },
    stop() {
      if (running) {
        bar.update(value, payload());
        bar.stop();
      }
      running = false;
    },
  };
}
