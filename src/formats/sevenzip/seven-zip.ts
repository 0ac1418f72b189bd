import SevenZipFactory from '7z-wasm';

export interface SevenZipRun {
  code: number;
  lines: string[];
}

export interface SevenZip {
  writeFile(path: string, data: Uint8Array): void;
  readFile(path: string): Uint8Array;
  /** Lists files (not directories) under `dir`, recursively, with their sizes. */
  walk(dir: string): Array<{ path: string; size: number; link: boolean }>;
  mkdir(path: string): void;
  run(args: string[]): SevenZipRun;
}

interface Fs {
  writeFile(path: string, data: Uint8Array): void;
  readFile(path: string): Uint8Array;
  readdir(path: string): string[];
  lstat(path: string): { mode: number; size: number };
  isDir(mode: number): boolean;
  isLink(mode: number): boolean;
  mkdir(path: string): void;
}

/** A fresh 7-Zip (WASM, in-memory file system) per archive: no state shared between scans. */
export async function createSevenZip(): Promise<SevenZip> {
  let lines: string[] = [];
  const module = (await (SevenZipFactory as unknown as (opts: object) => Promise<{ FS: Fs; callMain(args: string[]): number | undefined }>)({
    print: (line: string) => lines.push(line),
    printErr: (line: string) => lines.push(line),
    stdin: () => null,
  })) as { FS: Fs; callMain(args: string[]): number | undefined };
  const fs = module.FS;
  return {
    writeFile: (path, data) => fs.writeFile(path, data),
    readFile: (path) => fs.readFile(path),
    mkdir: (path) => fs.mkdir(path),
    walk(dir) {
      const found: Array<{ path: string; size: number; link: boolean }> = [];
      const visit = (abs: string, rel: string) => {
        for (const name of fs.readdir(abs)) {
          if (name === '.' || name === '..') continue;
          const path = `${abs}/${name}`;
          const relPath = rel ? `${rel}/${name}` : name;
          const stat = fs.lstat(path);
          if (fs.isLink(stat.mode)) found.push({ path: relPath, size: 0, link: true });
          else if (fs.isDir(stat.mode)) visit(path, relPath);
          else found.push({ path: relPath, size: stat.size, link: false });
        }
      };
      visit(dir, '');
      return found;
    },
    run(args) {
      lines = [];
      let code = 0;
      try {
        code = module.callMain(args) ?? 0;
      } catch (error) {
        const status = (error as { status?: unknown }).status;
        code = typeof status === 'number' ? status : 255;
        lines.push(`exception: ${error instanceof Error ? error.message : String(error)}`);
      }
      return { code, lines };
    },
  };
}
