// The window: a header with the engine's status, three views (Settings, Log, Diagnose) chosen by
// tabs, the tray (a Navigate event) or the page's #hash; state arrives as UiEvent::State.
import type { AppView, UiEvent, View } from "./bindings.js";
import { api, onEvent } from "./api.js";
import { act, byId } from "./dom.js";
import * as settings from "./views/settings.js";
import * as log from "./views/log.js";
import * as diagnose from "./views/diagnose.js";

/** What each view module provides. */
export interface ViewModule {
  /** Called once with the view's <section>. */
  init(root: HTMLElement): void;
  /** The view became visible. */
  show(): void;
  /** The view was left (e.g. stop following the log). */
  hide(): void;
  /** Every event, whether visible or not. */
  onEvent(event: UiEvent): void;
}

const views: Record<View, ViewModule> = { settings, log, diagnose };
let current: View | null = null;

function viewFromHash(): View {
  const name = location.hash.replace(/^#/, "");
  return name === "log" || name === "diagnose" ? name : "settings";
}

function show(view: View): void {
  if (current === view) return;
  if (current) views[current].hide();
  current = view;
  for (const name of Object.keys(views) as View[]) {
    byId(`view-${name}`).hidden = name !== view;
    byId(`tab-${name}`).setAttribute("aria-selected", String(name === view));
  }
  if (location.hash !== `#${view}`) history.replaceState(null, "", `#${view}`);
  views[view].show();
}

function renderStatus(state: AppView): void {
  const el = byId("status");
  const s = state.status;
  el.dataset.state = s.state;
  switch (s.state) {
    case "running":
      el.textContent = `Running on ${s.addr} — Codex base_url ${s.baseUrl}`;
      break;
    case "starting":
      el.textContent = "Starting…";
      break;
    case "stopped":
      el.textContent = "Stopped";
      break;
    case "error":
      el.textContent = `Error: ${s.message}`;
      break;
  }
}

function onState(state: AppView): void {
  renderStatus(state);
}

async function main(): Promise<void> {
  for (const name of Object.keys(views) as View[]) {
    views[name].init(byId(`view-${name}`));
    byId(`tab-${name}`).addEventListener("click", () => show(name));
  }
  const restart = byId<HTMLButtonElement>("restart");
  restart.addEventListener("click", () => void act(restart, api.restartEngine));
  await onEvent((event) => {
    if (event.type === "state") onState(event.state);
    if (event.type === "navigate") show(event.view);
    for (const v of Object.values(views)) v.onEvent(event);
  });
  window.addEventListener("hashchange", () => show(viewFromHash()));
  const state = await api.getState();
  onState(state);
  for (const v of Object.values(views)) v.onEvent({ type: "state", state });
  show(viewFromHash());
  document.body.dataset.ready = "true";
}

main().catch((e: unknown) => {
  byId("status").textContent = `The window could not start: ${String(e)}`;
});
