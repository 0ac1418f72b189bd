import type { ZipCode } from './codes.js';

export interface NameProblem {
  code: ZipCode;
  why: string;
}

/** Every archive name is hostile: these are the shapes that escape, hide or confuse an extractor. */
export function nameProblems(name: string): NameProblem[] {
  const problems: NameProblem[] = [];
  if (name.length === 0) problems.push({ code: 'ZIP_BAD_NAME', why: 'is empty' });
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) problems.push({ code: 'ZIP_BAD_NAME', why: 'contains NUL or control characters' });
  if (name.includes('\\')) problems.push({ code: 'ZIP_BACKSLASH_NAME', why: 'contains a backslash' });
  const unified = name.replace(/\\/g, '/');
  if (unified.startsWith('/') || /^[A-Za-z]:/.test(unified)) problems.push({ code: 'ZIP_ABSOLUTE_PATH', why: 'is absolute' });
  if (unified.split('/').includes('..')) problems.push({ code: 'ZIP_PATH_TRAVERSAL', why: 'has a ".." segment' });
  return problems;
}
