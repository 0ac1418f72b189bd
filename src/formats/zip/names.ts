export type NameProblem = 'empty' | 'control' | 'backslash' | 'absolute' | 'traversal';

const WHY: Record<NameProblem, string> = {
  empty: 'is empty',
  control: 'contains NUL or control characters',
  backslash: 'contains a backslash',
  absolute: 'is absolute',
  traversal: 'has a ".." segment',
};

export function describeNameProblem(problem: NameProblem): string {
  return WHY[problem];
}

/** Every archive name is hostile: these are the shapes that escape, hide or confuse an extractor. */
export function nameProblems(name: string): NameProblem[] {
  const problems: NameProblem[] = [];
  if (name.length === 0) problems.push('empty');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) problems.push('control');
  if (name.includes('\\')) problems.push('backslash');
  const unified = name.replace(/\\/g, '/');
  if (unified.startsWith('/') || /^[A-Za-z]:/.test(unified)) problems.push('absolute');
  if (unified.split('/').includes('..')) problems.push('traversal');
  return problems;
}
