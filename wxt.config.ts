import { defineConfig } from 'wxt';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { LOCALES, mergeLocale } from './src/ui/locales/merge';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };

// The public half of a fixed RSA key: Chrome derives the extension ID from it, so a profile's
// evidence store stays with the extension whichever folder the build is loaded from.
// ID: nlbbhhpehmbiidbgbelfgeldgdfifafn
export const EXTENSION_KEY =
  'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAg2Lovl0E7dgz5n2pW3SqR9W+dhIVCoZjIrbJXAuJ7dlG7yt6Iw89KHMGwFBFuO5GGpCQ6RQn5tYqVYieHqoAbCl5ycWetjeza32mFcn/stVYCWpSGkgu1Nn47LbyVfOH24JclFNA9WVr8Oapt183TI97yRjLaJDzDTVgr+HddMZg5Zo90zGftIQZUUG4tFW/HWfd2pgoHlg690mcsMLz8v8AZ8GTdEt1PV5Pmf/HLvVFZfntm+4pOrMW0fZpqatFnsO770vnafEf3uTe6aOPtbeKS4aR4tCapoYS9U3H/yQ3MjVUOlhTsvs+zE885eSYhdRcYm1Xm8T541wut868iQIDAQAB';

/** single-file-core module imports (as written in it) → our stand-ins. */
const SINGLE_FILE_TRIM: Record<string, string> = {
  './template-formatter.js': './src/capture/content/sf-trim/template-formatter.ts',
  './compression/compression.js': './src/capture/content/sf-trim/compression.ts',
};

export default defineConfig({
  modules: ['@wxt-dev/webextension-polyfill'],
  outDir: '.output',
  vite: () => ({
    define: { 'import.meta.env.VITE_JIANZHENG_VERSION': JSON.stringify(pkg.version) },
    // Two parts of single-file-core the capture script never uses, replaced by small stand-ins
    // (src/capture/content/sf-trim/): they were ~40 % of the 914 KB script injected per capture.
    // Only imports made from inside single-file-core are redirected.
    plugins: [
      {
        name: 'jianzheng-single-file-trim',
        enforce: 'pre' as const,
        resolveId(source: string, importer: string | undefined) {
          if (!importer?.includes('/node_modules/single-file-core/')) return null;
          const stand = SINGLE_FILE_TRIM[source];
          return stand ? fileURLToPath(new URL(stand, import.meta.url)) : null;
        },
      },
    ],
  }),
  hooks: {
    // Merge per-area UI string fragments into _locales/<lang>/messages.json.
    'build:publicAssets': (_wxt, files) => {
      for (const lang of LOCALES) {
        files.push({
          relativeDest: `_locales/${lang}/messages.json`,
          contents: JSON.stringify(mergeLocale('src/ui/locales', lang), null, 2),
        });
      }
    },
  },
  manifest: ({ browser }) => ({
    name: '__MSG_extName__',
    description: '__MSG_extDescription__',
    default_locale: 'en',
    ...(browser === 'firefox'
      ? {
          browser_specific_settings: {
            // No data leaves the browser except what the user exports (Firefox's data-consent key).
            gecko: { id: 'jianzheng@jianzheng.invalid', strict_min_version: '128.0', data_collection_permissions: { required: ['none'] } },
          },
        }
      : { key: EXTENSION_KEY }),
    permissions: [
      'activeTab',
      'tabs',
      'scripting',
      'storage',
      'unlimitedStorage',
      'contextMenus',
      'alarms',
      'webRequest',
      'webNavigation',
      // Only to send the post's page as Referer when the extension fetches its media.
      'declarativeNetRequestWithHostAccess',
      ...(browser === 'firefox' ? [] : ['pageCapture', 'debugger']),
    ],
    host_permissions: ['<all_urls>'],
    commands: {
      'capture-page': {
        suggested_key: { default: 'Alt+Shift+E' },
        description: '__MSG_commandCapture__',
      },
    },
    // Nothing is web-accessible: a page must not be able to probe for the extension.
    web_accessible_resources: [],
    // Extension pages load only their own code; a captured snapshot shown in the library cannot be
    // navigated to the network (frame-src), and nothing can be embedded as a plugin.
    content_security_policy: {
      extension_pages: "script-src 'self'; object-src 'none'; frame-src 'self' blob: data:; base-uri 'none'; form-action 'none'",
    },
  }),
});
