// Bundles the windows' TypeScript (ui/src/main.ts and what it imports, npm packages included) into
// ui/app/main.js with esbuild. Type-checking is separate (`tsc -p ui --noEmit`): `npm run build:ui`
// runs both and fails on either; src-tauri/build.rs runs both too but only warns on type errors.
//
//   node ui/build.mjs            bundle once
import { build } from "esbuild";
import { rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ui = dirname(fileURLToPath(import.meta.url));
const out = join(ui, "app");

// Old per-file output (from when tsc emitted ui/app/**.js) would otherwise linger.
rmSync(out, { recursive: true, force: true });

await build({
  entryPoints: [join(ui, "src", "main.ts")],
  outfile: join(out, "main.js"),
  bundle: true,
  format: "esm",
  platform: "browser",
  // WebKitGTK 2.40+, WebView2, WKWebView on macOS 10.15+ all run ES2021.
  target: "es2021",
  minify: true,
  sourcemap: "linked",
  // The English window catalogue is built in as the fallback (ui/src/i18n.ts).
  loader: { ".ftl": "text" },
  legalComments: "none",
  logLevel: "warning",
});
