// Typed access to the Tauri API the app injects (`app.withGlobalTauri`), so the pages need no
// bundler: the types come from @tauri-apps/api, the code from the runtime.
import type * as Core from "@tauri-apps/api/core";
import type * as Event from "@tauri-apps/api/event";

interface TauriGlobal {
  core: typeof Core;
  event: typeof Event;
}

declare global {
  interface Window {
    __TAURI__?: TauriGlobal;
  }
}

export function tauri(): TauriGlobal {
  const t = window.__TAURI__;
  if (!t) {
    throw new Error("This page runs inside the mimo2codex app (window.__TAURI__ is missing).");
  }
  return t;
}
