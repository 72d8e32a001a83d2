// The window: a header with the engine's status, three views (Settings, Log, Diagnose) chosen by
// tabs, the tray (a Navigate event) or the page's #hash; state arrives as UiEvent::State. The text
// is in the language in effect (i18n.ts); a State event with another `language` switches the page.
import type { AppView, UiEvent, View } from "./bindings.js";
import { api, onEvent } from "./api.js";
import { act, byId } from "./dom.js";
import * as i18n from "./i18n.js";
import { label, plain, t } from "./i18n.js";
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
      label(el, "ui-status-running", { addr: s.addr, url: s.baseUrl });
      break;
    case "starting":
      label(el, "ui-status-starting");
      break;
    case "stopped":
      label(el, "ui-status-stopped");
      break;
    case "error":
      label(el, "ui-status-error", { message: s.message });
      break;
  }
}

function onState(state: AppView): void {
  renderStatus(state);
  // The language changed (this window's picker, the tray, another window): relabel the page.
  void i18n.follow(state.language);
}

/** The first catalogue is in (or failed): show the text. */
function reveal(): void {
  document.documentElement.removeAttribute("data-i18n-pending");
}

async function main(): Promise<void> {
  try {
    await i18n.load();
  } catch (e) {
    // The built-in English catalogue stands in.
    console.error("cannot load the catalogue:", e);
  }
  i18n.relabel(document);
  reveal();
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
  reveal();
  plain(byId("status"), t("ui-start-failed", { error: String(e) }));
});
