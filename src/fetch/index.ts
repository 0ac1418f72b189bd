export { fetchSnapshot } from './snapshot.js';
export type { FetchOptions } from './config.js';
export type { FetchedFile, Snapshot } from './types.js';
export { FetchError, FETCH_ERROR_CODES, type FetchErrorCode, isFetchError } from './errors.js';
export { parseRepoId, repoFolderName, type RepoId } from './repo-id.js';
export { isCommitSha } from './revision.js';
