/**
 * Runs the loopback hub in its own process for the download benchmark, so the server's work does not
 * share the client's event loop. Serves `bench/org-model` with N files read lazily from bench/.data/.
 *   tsx bench/hub-child.ts <fileBytes> <count>   -> prints {"url": ...} on stdout, then serves until killed
 */
import { open } from 'node:fs/promises';
import { startHub, commitSha } from '../test/hub/index.js';
import type { HubFile } from '../test/hub/index.js';
import { dataPath, ensureDataFile } from './lib.js';

const fileBytes = Number(process.argv[2]);
const count = Number(process.argv[3]);
const files: HubFile[] = [];
for (let i = 0; i < count; i++) {
  const path = await dataPath(`download-${fileBytes}-${i}.bin`);
  await ensureDataFile(path, fileBytes, 1000 + i);
  const handle = await open(path, 'r');
  files.push({
    path: `model-0000${i + 1}-of-0000${count}.safetensors`,
    lfs: true,
    content: {
      size: fileBytes,
      async read(offset: number, length: number) {
        const buffer = Buffer.allocUnsafe(length);
        let got = 0;
        while (got < length) {
          const { bytesRead } = await handle.read(buffer, got, length - got, offset + got);
          if (bytesRead === 0) break;
          got += bytesRead;
        }
        return buffer;
      },
    },
  });
}
const hub = await startHub();
const commit = commitSha('bench');
hub.addRepo({ id: 'bench/model', commits: { [commit]: files }, refs: { main: commit } });
process.stdout.write(JSON.stringify({ url: hub.url, commit, files: files.map((f) => f.path) }) + '\n');
