import type { ToolInfo } from '../bundle/format';

export const TOOL_NAME = 'Jianzheng';
// Replaced at build time from package.json (see wxt.config.ts); tests see the package version too.
export const TOOL_VERSION: string = import.meta.env?.VITE_JIANZHENG_VERSION ?? '0.1.0';

export const TOOL: ToolInfo = { name: TOOL_NAME, version: TOOL_VERSION };
