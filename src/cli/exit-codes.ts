/** The exit-code contract (README "Exit codes"). */
export const EXIT = { APPROVE: 0, DENY: 1, INCOMPLETE: 2 } as const;
