export { startHub, commitSha, gitBlobSha1 } from './server.js';
export type { Hub, HubContent, HubFault, HubFile, HubLazyContent, HubOrigin, HubRepo, HubRequest, StartHubOptions } from './server.js';
export { parseLinkNext } from './link.js';
export { resolvePath, treePath, encodeRevision, encodeRepoPath } from './routes.js';
