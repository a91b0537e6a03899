/** Signing-key section of the options page (issue 3 fills this in). */
export function mountKeySection(_root: HTMLElement): void {}
