// The Log view: the log's last lines (api.logOpen), then live lines by LogLines / LogReset events
// until the view is left (api.logClose). Level filter, live search, follow/pause, copy, clear.
// Rendering is incremental: new lines are appended; everything is re-filtered only when a filter
// changes. Log text only ever goes into text nodes.
import type { LogLineView, LogSnapshot, UiEvent } from "../bindings.js";
import { api } from "../api.js";
import { h, toast } from "../dom.js";
import { label, plain, t } from "../i18n.js";

/** Lines kept in memory (the oldest are dropped). */
const MAX_LINES = 10_000;

/** Severity ranks; a line without a level (before any levelled line) always shows. */
const RANK: Record<string, number> = { trace: 0, debug: 1, info: 2, warn: 3, error: 4 };
/** The level filter's choices: the least severe level shown, and its label's message id. */
const FILTERS: [value: string, labelId: string][] = [
  ["all", "ui-log-level-all"],
  ["error", "ui-log-level-error"],
  ["warn", "ui-log-level-warn"],
  ["info", "ui-log-level-info"],
  ["debug", "ui-log-level-debug"],
];

interface Entry {
  text: string;
  /** Its own level, or (a continuation line) the level of the nearest line above with one. */
  level: string;
  /** Lower-cased text, made on the first search. */
  lower?: string;
  /** Its element, made when first shown. */
  el?: HTMLElement;
}

/** closed: not following; opening: waiting for the snapshot (events are held); open: following. */
type Phase = "closed" | "opening" | "open";

let phase: Phase = "closed";

/** Also shown as `data-state` on #log-lines (tests wait for "open"). */
function setPhase(p: Phase): void {
  phase = p;
  lines.dataset.state = p;
}
let held: UiEvent[] = [];
let entries: Entry[] = [];
/** The level a continuation line inherits. */
let lastLevel = "none";
let minRank = -1;
let query = "";
let newCount = 0;

let lines: HTMLElement;
let levelSelect: HTMLSelectElement;
let search: HTMLInputElement;
let follow: HTMLInputElement;
let newCountEl: HTMLButtonElement;
let pathEl: HTMLElement;
let noteEl: HTMLElement;
let errorEl: HTMLElement;
let emptyEl: HTMLElement;

export function init(root: HTMLElement): void {
  levelSelect = h("select", { id: "log-level", "data-i18n-title": "ui-log-level-title" });
  for (const [value, labelId] of FILTERS) levelSelect.append(label(h("option", { value }), labelId));
  search = h("input", {
    id: "log-search",
    type: "search",
    "data-i18n-placeholder": "ui-log-search",
    spellcheck: "false",
    autocomplete: "off",
  });
  follow = h("input", { id: "log-follow", type: "checkbox", checked: true });
  newCountEl = h("button", { id: "log-new-count", type: "button", class: "log-new-count", hidden: true });
  const copy = h("button", {
    id: "log-copy",
    type: "button",
    "data-i18n": "ui-log-copy",
    "data-i18n-title": "ui-log-copy-title",
  });
  const clear = h("button", {
    id: "log-clear",
    type: "button",
    "data-i18n": "ui-log-clear",
    "data-i18n-title": "ui-log-clear-title",
  });
  pathEl = h("span", { id: "log-path", class: "mono log-path" });
  noteEl = h("span", { id: "log-note", class: "note" });
  errorEl = h("p", { id: "log-error", class: "warning log-error", hidden: true });
  emptyEl = h("p", { id: "log-empty", class: "note log-empty", hidden: true });
  lines = h("div", {
    id: "log-lines",
    class: "log-lines mono",
    role: "log",
    "aria-live": "off",
    tabindex: "0",
    "data-state": "closed",
  });

  root.classList.add("log-view");
  root.append(
    h(
      "div",
      { class: "log-toolbar" },
      levelSelect,
      search,
      h(
        "label",
        { class: "check log-follow", "data-i18n-title": "ui-log-follow-title" },
        follow,
        " ",
        h("span", { "data-i18n": "ui-log-follow" }),
      ),
      newCountEl,
      copy,
      clear,
    ),
    h("div", { class: "log-info" }, pathEl, noteEl),
    errorEl,
    emptyEl,
    lines,
  );

  levelSelect.addEventListener("change", () => {
    minRank = levelSelect.value === "all" ? -1 : RANK[levelSelect.value] ?? -1;
    rerender();
  });
  search.addEventListener("input", () => {
    query = search.value.toLowerCase();
    rerender();
  });
  follow.addEventListener("change", () => {
    if (follow.checked) scrollToEnd();
  });
  newCountEl.addEventListener("click", () => {
    follow.checked = true;
    scrollToEnd();
  });
  lines.addEventListener("scroll", () => {
    if (newCount > 0 && atEnd()) setNewCount(0);
  });
  copy.addEventListener("click", () => void copyVisible());
  clear.addEventListener("click", () => {
    entries = [];
    lines.replaceChildren();
    setNewCount(0);
    updateEmpty();
  });
}

export function show(): void {
  if (phase !== "closed") return;
  setPhase("opening");
  held = [];
  api.logOpen().then(
    (snapshot) => {
      if (phase !== "opening") {
        // Left again before the snapshot came: make sure nothing keeps following.
        void api.logClose().catch(() => undefined);
        return;
      }
      applySnapshot(snapshot);
      setPhase("open");
      const pending = held;
      held = [];
      for (const e of pending) apply(e);
    },
    (e: unknown) => {
      if (phase === "opening") setPhase("closed");
      const err = e as { message?: string; fix?: string | null };
      showError({ id: "ui-log-cannot-show", error: err.message ?? String(e) });
      toast(err.message ?? String(e), err.fix ?? null);
    },
  );
}

export function hide(): void {
  if (phase === "closed") return;
  setPhase("closed");
  held = [];
  void api.logClose().catch(() => undefined);
}

export function onEvent(event: UiEvent): void {
  if (event.type !== "logLines" && event.type !== "logReset" && event.type !== "logError") return;
  if (phase === "opening") held.push(event);
  else if (phase === "open") apply(event);
}

function apply(event: UiEvent): void {
  switch (event.type) {
    case "logLines":
      if (event.lines.length > 0) showError(null);
      append(event.lines);
      break;
    case "logReset":
      showError(null);
      replaceAll(event.lines);
      label(noteEl, "ui-log-reset", { reason: event.reason });
      break;
    case "logError":
      showError(event.message);
      break;
    default:
      break;
  }
}

function applySnapshot(s: LogSnapshot): void {
  pathEl.textContent = s.path;
  pathEl.title = s.path;
  if (s.missing) label(noteEl, "ui-log-missing");
  else if (s.truncated) label(noteEl, "ui-log-truncated", { count: s.lines.length });
  else plain(noteEl, "");
  showError(null);
  replaceAll(s.lines);
  follow.checked = true;
  scrollToEnd();
}

function toEntries(views: LogLineView[]): Entry[] {
  return views.map((v) => {
    if (v.level) lastLevel = v.level;
    return { text: v.text, level: v.level ?? lastLevel };
  });
}

function replaceAll(views: LogLineView[]): void {
  lastLevel = "none";
  entries = toEntries(views.slice(-MAX_LINES));
  setNewCount(0);
  rerender();
}

/** Appends new lines: only their elements are created; the oldest beyond the limit are dropped. */
function append(views: LogLineView[]): void {
  if (views.length === 0) return;
  if (noteEl.dataset.i18n === "ui-log-missing") plain(noteEl, "");
  const stick = follow.checked;
  const added = toEntries(views.slice(-MAX_LINES));
  const overflow = entries.length + added.length - MAX_LINES;
  if (overflow > 0) {
    const dropped = entries.splice(0, Math.min(overflow, entries.length));
    for (const e of dropped) e.el?.remove();
    if (overflow > dropped.length) added.splice(0, overflow - dropped.length);
  }
  const fragment = document.createDocumentFragment();
  let shown = 0;
  for (const e of added) {
    entries.push(e);
    if (matches(e)) {
      fragment.append(element(e));
      shown++;
    }
  }
  lines.append(fragment);
  updateEmpty();
  if (stick) scrollToEnd();
  else if (shown > 0) setNewCount(newCount + shown);
}

/** Re-filters everything (a filter changed, or the lines were replaced). */
function rerender(): void {
  const fragment = document.createDocumentFragment();
  for (const e of entries) if (matches(e)) fragment.append(element(e));
  lines.replaceChildren(fragment);
  updateEmpty();
  if (follow.checked) scrollToEnd();
}

function matches(e: Entry): boolean {
  if (minRank >= 0) {
    const rank = RANK[e.level];
    if (rank !== undefined && rank < minRank) return false;
  }
  if (query === "") return true;
  e.lower ??= e.text.toLowerCase();
  return e.lower.includes(query);
}

function element(e: Entry): HTMLElement {
  if (!e.el) {
    const el = document.createElement("div");
    el.className = `log-line level-${e.level}`;
    el.dataset.level = e.level;
    el.textContent = e.text;
    e.el = el;
  }
  return e.el;
}

function visibleText(): string[] {
  return entries.filter(matches).map((e) => e.text);
}

function updateEmpty(): void {
  const none = lines.childElementCount === 0;
  emptyEl.hidden = !none;
  label(emptyEl, entries.length === 0 ? "ui-log-empty" : "ui-log-no-match");
}

function atEnd(): boolean {
  return lines.scrollHeight - lines.scrollTop - lines.clientHeight < 4;
}

function scrollToEnd(): void {
  lines.scrollTop = lines.scrollHeight;
  setNewCount(0);
}

function setNewCount(n: number): void {
  newCount = n;
  newCountEl.hidden = n === 0;
  label(newCountEl, "ui-log-new-lines", { count: n });
}

/** A message from Rust (shown as given), one of ours, or none. */
function showError(message: string | { id: string; error: string } | null): void {
  errorEl.hidden = message === null;
  if (message === null || typeof message === "string") plain(errorEl, message ?? "");
  else label(errorEl, message.id, { error: message.error });
}

async function copyVisible(): Promise<void> {
  const texts = visibleText();
  if (texts.length === 0) {
    toast(t("ui-log-nothing-to-copy"));
    return;
  }
  const text = texts.join("\n") + "\n";
  try {
    await writeClipboard(text);
    toast(t("ui-log-copied", { count: texts.length }), null, "ok");
  } catch (e) {
    toast(t("ui-log-copy-failed", { error: e instanceof Error ? e.message : String(e) }));
  }
}

async function writeClipboard(text: string): Promise<void> {
  try {
    if (navigator.clipboard?.writeText) {
      await navigator.clipboard.writeText(text);
      return;
    }
  } catch {
    // Refused (permissions, no secure context): try the old way.
  }
  const area = h("textarea", { class: "log-copy-buffer", readonly: true, "aria-hidden": "true" });
  area.value = text;
  document.body.append(area);
  try {
    area.select();
    if (!document.execCommand("copy")) throw new Error(t("ui-copy-refused"));
  } finally {
    area.remove();
  }
}
