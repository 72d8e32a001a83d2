// The Diagnose view: runs the doctor's checks (`run_doctor`), shows each one as its DoctorCheck
// event arrives, then the summary (DoctorDone, also the command's result). Runs by itself the first
// time the view is shown; "Copy report" puts a plain-text report on the clipboard for an issue.
// Check content is only ever set as text.
import type { CheckView, DoctorSummary, UiEvent } from "../bindings.js";
import { api } from "../api.js";
import { h, toast } from "../dom.js";
import { i18nArgs, label, plain, t } from "../i18n.js";

const SYMBOLS: Record<string, string> = { ok: "✓", warn: "!", fail: "✗", skip: "-", info: "i" };

let runButton: HTMLButtonElement;
let copyButton: HTMLButtonElement;
let progress: HTMLElement;
let list: HTMLElement;
let summaryBox: HTMLElement;

/** The checks of the current (or last) run, in the order they finished. */
let checks: CheckView[] = [];
let summary: DoctorSummary | null = null;
let running = false;
let ranOnce = false;
let finishedAt: Date | null = null;

export function init(root: HTMLElement): void {
  runButton = h("button", { id: "doctor-run", type: "button", "data-i18n": "ui-doctor-run" });
  copyButton = h("button", { id: "doctor-copy", type: "button", disabled: true, "data-i18n": "ui-doctor-copy" });
  progress = h("p", { id: "doctor-progress", class: "note", "aria-live": "polite" });
  list = h("ul", { id: "doctor-checks", class: "doctor-checks" });
  summaryBox = h("p", { id: "doctor-summary", class: "doctor-summary", hidden: true, "aria-live": "polite" });
  root.append(
    h(
      "fieldset",
      { class: "card" },
      h("legend", { "data-i18n": "ui-doctor-title" }),
      h("p", { class: "note", "data-i18n": "ui-doctor-intro" }),
      h("div", { class: "row doctor-actions" }, runButton, copyButton, progress),
      list,
      summaryBox,
    ),
  );
  runButton.addEventListener("click", () => void run());
  copyButton.addEventListener("click", () => void copyReport());
}

export function show(): void {
  if (!ranOnce) void run();
}

export function hide(): void {}

export function onEvent(event: UiEvent): void {
  switch (event.type) {
    case "doctorCheck":
      // A run this view did not see start (e.g. the window was reopened while it ran).
      if (!running && summary === null) setRunning(true);
      addCheck(event.check);
      break;
    case "doctorDone":
      finish(event.summary);
      break;
    default:
      break;
  }
}

async function run(): Promise<void> {
  if (running) return;
  ranOnce = true;
  begin();
  try {
    finish(await api.runDoctor());
  } catch (e) {
    const err = e as { message?: string; fix?: string | null };
    const message = err.message ?? String(e);
    fail(message);
    toast(message, err.fix ?? null);
  }
}

/** Starts over with an empty list. */
function begin(): void {
  checks = [];
  summary = null;
  finishedAt = null;
  list.replaceChildren();
  summaryBox.hidden = true;
  plain(summaryBox, "");
  delete summaryBox.dataset.passed;
  copyButton.disabled = true;
  setRunning(true);
}

function setRunning(on: boolean): void {
  running = on;
  if (on) ranOnce = true;
  runButton.disabled = on;
  label(runButton, on ? "ui-doctor-running" : "ui-doctor-run");
  copyButton.disabled = checks.length === 0;
  renderProgress();
}

function addCheck(check: CheckView): void {
  const row = renderCheck(check);
  const index = checks.findIndex((c) => c.id === check.id);
  const existing = index >= 0 ? list.children[index] : undefined;
  if (existing) {
    checks[index] = check;
    existing.replaceWith(row);
  } else {
    checks.push(check);
    list.append(row);
  }
  copyButton.disabled = false;
  renderProgress();
}

function renderCheck(check: CheckView): HTMLElement {
  const status = check.status in SYMBOLS ? check.status : "info";
  const needsFix = (status === "warn" || status === "fail") && !!check.fix;
  return h(
    "li",
    { class: `check-row ${status}`, "data-check-id": check.id, "data-status": check.status },
    h(
      "span",
      {
        class: "check-symbol",
        "data-i18n-title": "ui-check-status",
        "data-i18n-aria-label": "ui-check-status",
        "data-i18n-args": i18nArgs({ status }),
      },
      SYMBOLS[status],
    ),
    h(
      "div",
      { class: "check-body" },
      h("div", { class: "check-title" }, check.title),
      check.detail ? h("div", { class: "check-detail" }, check.detail) : null,
      needsFix ? h("div", { class: "fix" }, check.fix) : null,
      !needsFix && check.fix ? h("div", { class: "note" }, check.fix) : null,
    ),
  );
}

/** The run ended (the DoctorDone event and the command's result both land here). */
function finish(result: DoctorSummary): void {
  if (summary && !running) return; // already shown
  summary = result;
  finishedAt = new Date();
  setRunning(false);
  summaryBox.hidden = false;
  summaryBox.dataset.passed = String(result.passed);
  summaryBox.className = `doctor-summary ${result.passed ? (result.warn > 0 ? "warn" : "ok") : "fail"}`;
  const summaryMessage = summaryLabel(result);
  label(summaryBox, summaryMessage.id, summaryMessage.args);
}

/** The command failed: nothing more will arrive for this run. */
function fail(message: string): void {
  setRunning(false);
  label(progress, "ui-doctor-could-not-run", { error: message });
  summaryBox.hidden = false;
  summaryBox.dataset.passed = "false";
  summaryBox.className = "doctor-summary fail";
  label(summaryBox, "ui-doctor-failed");
}

function renderProgress(): void {
  const n = checks.length;
  if (running && n === 0) label(progress, "ui-doctor-progress-start");
  else label(progress, running ? "ui-doctor-progress-running" : "ui-doctor-progress-done", { count: n });
}

/** The summary's message: all passed or problems found, with or without warnings. */
function summaryLabel(s: DoctorSummary): { id: string; args: { fail: number; warn: number } } {
  const args = { fail: s.fail, warn: s.warn };
  if (s.passed) return { id: s.warn > 0 ? "ui-doctor-passed-warnings" : "ui-doctor-passed", args };
  return { id: s.warn > 0 ? "ui-doctor-problems-warnings" : "ui-doctor-problems", args };
}

/** The summary line in the current language. */
export function summaryText(s: DoctorSummary): string {
  const { id, args } = summaryLabel(s);
  return t(id, args);
}

/** The report as plain text, in the CLI's format (`mimo2codex doctor`), in the current language. */
export function reportText(): string {
  const title = finishedAt ? t("ui-report-title-at", { time: finishedAt.toISOString() }) : t("ui-report-title");
  const lines = [title, ""];
  for (const c of checks) {
    const status = c.status in SYMBOLS ? c.status : "info";
    lines.push(`${SYMBOLS[status]} ${c.title}: ${c.detail}`);
    if (c.fix) lines.push(status === "warn" || status === "fail" ? `    ${t("ui-report-fix", { fix: c.fix })}` : `    ${c.fix}`);
  }
  lines.push("");
  if (summary) {
    lines.push(
      t("ui-report-totals", {
        summary: summaryText(summary),
        ok: summary.ok,
        warn: summary.warn,
        fail: summary.fail,
        skip: summary.skip,
      }),
    );
  } else {
    lines.push(t("ui-report-incomplete", { count: checks.length }));
  }
  return lines.join("\n");
}

async function copyReport(): Promise<void> {
  const text = reportText();
  try {
    if (!navigator.clipboard) throw new Error("no clipboard API");
    await navigator.clipboard.writeText(text);
  } catch {
    if (!copyWithSelection(text)) {
      toast(t("ui-report-copy-failed"), t("ui-report-copy-failed-fix"));
      return;
    }
  }
  toast(t("ui-report-copied"), null, "ok");
}

/** The older clipboard path, for webviews without `navigator.clipboard`. */
function copyWithSelection(text: string): boolean {
  const area = h("textarea", { class: "doctor-copy-buffer", readonly: true, "aria-hidden": "true" });
  area.value = text;
  document.body.append(area);
  area.select();
  try {
    return document.execCommand("copy");
  } catch {
    return false;
  } finally {
    area.remove();
  }
}
