/**
 * Stands in for single-file-core's `modules/template-formatter.js` in the capture script (aliased in
 * wxt.config.ts). That module is SingleFile's file-name template engine (~360 KB of source, about a
 * third of the script every capture injects); Jianzheng names its files itself (src/bundle/format.ts)
 * and never reads `pageData.filename`, and it sets no infobar, the other user of templates.
 */
export async function formatFilename(): Promise<string> {
  return 'snapshot.html';
}

export async function evalTemplate(): Promise<string> {
  return '';
}
