/** Time-stamping-authority section of the options page (issue 4 fills this in). */
export function mountTsaSection(_root: HTMLElement): void {}
