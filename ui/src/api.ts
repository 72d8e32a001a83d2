// The typed commands (src-tauri/src/commands/) and the one event stream (ipc::UiEvent).
import type {
  AppView,
  CatalogView,
  CodexView,
  CommandError,
  DoctorSummary,
  LogSnapshot,
  ProviderTestView,
  UiEvent,
} from "./bindings.js";
import { EVENT } from "./bindings.js";
import { tauri } from "./tauri.js";

/** A failed command, with the fix the Rust side suggests. */
export class ApiError extends Error {
  readonly fix: string | null;
  constructor(err: CommandError) {
    super(err.message);
    this.fix = err.fix;
  }
}

function isCommandError(e: unknown): e is CommandError {
  return typeof e === "object" && e !== null && "message" in e && "fix" in e;
}

async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await tauri().core.invoke<T>(cmd, args);
  } catch (e) {
    if (isCommandError(e)) throw new ApiError(e);
    throw new ApiError({ message: String(e), fix: null });
  }
}

export const api = {
  getState: () => call<AppView>("get_state"),
  setRoute: (route: string) => call<AppView>("set_route", { route }),
  setNoProxy: (noProxy: string) => call<AppView>("set_no_proxy", { noProxy }),
  setThinking: (on: boolean) => call<AppView>("set_thinking", { on }),
  setDefaultProvider: (id: string) => call<AppView>("set_default_provider", { id }),
  setPort: (port: number) => call<AppView>("set_port", { port }),
  setAutostart: (on: boolean) => call<AppView>("set_autostart", { on }),
  /** `system`, `en` or `zh-CN`: saved, the tray rebuilt, a State event with the new `language`. */
  setLanguage: (choice: string) => call<AppView>("set_language", { choice }),
  /** The whole Fluent catalogue of `lang` (default: the language in effect). */
  i18nCatalog: (lang: string | null) => call<CatalogView>("i18n_catalog", { lang }),
  restartEngine: () => call<AppView>("restart_engine"),
  saveProviderKey: (provider: string, key: string) =>
    call<AppView>("save_provider_key", { provider, key }),
  testProvider: (provider: string) => call<ProviderTestView>("test_provider", { provider }),
  codexStatus: () => call<CodexView>("codex_status"),
  codexEnable: (model: string | null) => call<CodexView>("codex_enable", { model }),
  codexDisable: () => call<CodexView>("codex_disable"),
  runDoctor: () => call<DoctorSummary>("run_doctor"),
  logOpen: () => call<LogSnapshot>("log_open"),
  logClose: () => call<void>("log_close"),
};

/** Subscribes to every UiEvent; returns the unsubscribe function. */
export async function onEvent(handler: (event: UiEvent) => void): Promise<() => void> {
  return tauri().event.listen<UiEvent>(EVENT, (e) => handler(e.payload));
}
