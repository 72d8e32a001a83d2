// Generated from src-tauri/src/ipc.rs by its `bindings_are_current` test; do not edit.
// Regenerate: UPDATE_BINDINGS=1 cargo test -p mimo2codex-desktop bindings_are_current

export const EVENT = "m2c://event";

export type View = "settings" | "log" | "diagnose";

export type UiEvent = { "type": "state", state: AppView, } | { "type": "navigate", view: View, } | { "type": "logLines", lines: Array<LogLineView>, } | { "type": "logReset", reason: string, lines: Array<LogLineView>, } | { "type": "logError", message: string, } | { "type": "doctorCheck", check: CheckView, } | { "type": "doctorDone", summary: DoctorSummary, };

export type CommandError = { message: string, fix: string | null, };

export type StatusView = { "state": "starting" } | { "state": "running", addr: string, baseUrl: string, } | { "state": "stopped" } | { "state": "error", message: string, 
/**
 * The port is taken: the window offers to pick another.
 */
portBusy: boolean, };

export type AppView = { status: StatusView, route: RouteView, thinking: boolean, providers: Array<ProviderView>, defaultProvider: string | null, port: PortView, autostart: boolean, 
/**
 * The language in effect: `en` or `zh-CN`.
 */
language: string, 
/**
 * What the user chose: `system`, `en` or `zh-CN`.
 */
languageChoice: string, 
/**
 * MIMO2CODEX_LANG sets the language, so the window cannot change it.
 */
languageLocked: boolean, dataDir: string, logPath: string, 
/**
 * Problems the user should see (a corrupt settings.json set aside, a route warning…).
 */
warnings: Array<string>, };

export type RouteView = { 
/**
 * `direct`, `env`, `system`, a preset name, or `custom`.
 */
choice: string, 
/**
 * The custom proxy URL with its password masked (empty unless `choice` is `custom`).
 */
customUrl: string, 
/**
 * What the route means right now, e.g. "proxy: http://127.0.0.1:7890 (clash preset)".
 */
description: string, 
/**
 * The route's proxy port is not listening, etc.
 */
warning: string | null, 
/**
 * The user's NO_PROXY list (loopback is always added).
 */
noProxy: string, presets: Array<PresetView>, };

export type PresetView = { 
/**
 * The value `set_route` takes: `direct`, `system`, `env`, `clash`…
 */
value: string, label: string, 
/**
 * A proxy app answers on its port or runs.
 */
detected: boolean, };

export type ProviderView = { id: string, label: string, 
/**
 * In use (it has a key or needs none); `false`: a built-in listed so a key can be added.
 */
configured: boolean, baseUrl: string, models: Array<string>, 
/**
 * The variable that holds its key, e.g. `DS_API_KEY`.
 */
keyVar: string, 
/**
 * The key, masked (`sk-…abcd`), when one is set.
 */
keyMasked: string | null, 
/**
 * Where the key comes from: "environment" or the .env file's path.
 */
keySource: string | null, 
/**
 * The process environment sets the key, so a key saved here (in .env) is not used.
 */
keyShadowed: boolean, };

export type PortView = { value: number, 
/**
 * "default", "settings", or the flag / variable that set it (then the window cannot change it).
 */
source: string, editable: boolean, };

export type CheckView = { id: string, title: string, 
/**
 * "ok", "warn", "fail", "skip" or "info".
 */
status: string, detail: string, fix: string | null, };

export type DoctorSummary = { ok: number, warn: number, fail: number, skip: number, passed: boolean, };

export type ProviderTestView = { provider: string, passed: boolean, checks: Array<CheckView>, };

export type LogLineView = { text: string, 
/**
 * "error", "warn", "info", "debug", "trace", or none for a continuation line.
 */
level: string | null, };

export type LogSnapshot = { path: string, lines: Array<LogLineView>, 
/**
 * Older lines exist that were not read.
 */
truncated: boolean, 
/**
 * The file does not exist yet (it appears with the first log line).
 */
missing: boolean, };

export type CodexView = { configPath: string, 
/**
 * config.toml points Codex at this app.
 */
enabled: boolean, 
/**
 * The model Codex uses through us.
 */
model: string | null, 
/**
 * Codex's base_url matches the port the engine listens on.
 */
portMatches: boolean, 
/**
 * One-line summary for the window.
 */
summary: string, 
/**
 * What the user should do, if anything.
 */
fix: string | null, };

export type CatalogView = { 
/**
 * `en` or `zh-CN`.
 */
lang: string, ftl: string, };
