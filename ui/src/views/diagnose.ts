// The Diagnose view: runs the doctor's checks (`run_doctor`), shows each one as its DoctorCheck
// event arrives, then the summary (DoctorDone, also the command's result). Runs by itself the first
// time the view is shown; "Copy report" puts a plain-text report on the clipboard for an issue.
// Check content is only ever set as text.
import type { CheckView, DoctorSummary, UiEvent } from "../bindings.js";
import { api } from "../api.js";
import { h, toast } from "../dom.js";

const SYMBOLS: Record<string, string> = { ok: "✓", warn: "!", fail: "✗", skip: "-", info: "i" };
const LABELS: Record<string, string> = { ok: "passed", warn: "warning", fail: "failed", skip: "skipped", info: "info" };

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
  runButton = h("button", { id: "doctor-run", type: "button" }, "Run checks");
  copyButton = h("button", { id: "doctor-copy", type: "button", disabled: true }, "Copy report");
  progress = h("p", { id: "doctor-progress", class: "note", "aria-live": "polite" });
  list = h("ul", { id: "doctor-checks", class: "doctor-checks" });
  summaryBox = h("p", { id: "doctor-summary", class: "doctor-summary", hidden: true, "aria-live": "polite" });
  root.append(
    h(
      "fieldset",
      { class: "card" },
      h("legend", {}, "Diagnose network"),
      h(
        "p",
        { class: "note" },
        "Checks both hops: Codex → mimo2codex on this machine, and mimo2codex → proxy → each provider.",
      ),
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
  summaryBox.textContent = "";
  delete summaryBox.dataset.passed;
  copyButton.disabled = true;
  setRunning(true);
}

function setRunning(on: boolean): void {
  running = on;
  if (on) ranOnce = true;
  runButton.disabled = on;
  runButton.textContent = on ? "Running…" : "Run checks";
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
    h("span", { class: "check-symbol", title: LABELS[status], "aria-label": LABELS[status] }, SYMBOLS[status]),
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
  summaryBox.textContent = summaryText(result);
}

/** The command failed: nothing more will arrive for this run. */
function fail(message: string): void {
  setRunning(false);
  progress.textContent = `The checks could not run: ${message}`;
  summaryBox.hidden = false;
  summaryBox.dataset.passed = "false";
  summaryBox.className = "doctor-summary fail";
  summaryBox.textContent = "Diagnosis failed";
}

function renderProgress(): void {
  const n = checks.length;
  const done = `${n} ${n === 1 ? "check" : "checks"} done`;
  if (running) progress.textContent = n === 0 ? "Running checks…" : `${done}…`;
  else progress.textContent = done;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

export function summaryText(s: DoctorSummary): string {
  const warnings = s.warn > 0 ? plural(s.warn, "warning") : "";
  if (s.passed) return warnings ? `All checks passed (${warnings})` : "All checks passed";
  const problems = `${plural(s.fail, "problem")} found`;
  return warnings ? `${problems}, ${warnings}` : problems;
}

/** The report as plain text, in the CLI's format (`mimo2codex doctor`). */
export function reportText(): string {
  const lines = [`mimo2codex diagnosis${finishedAt ? ` (${finishedAt.toISOString()})` : ""}`, ""];
  for (const c of checks) {
    const status = c.status in SYMBOLS ? c.status : "info";
    lines.push(`${SYMBOLS[status]} ${c.title}: ${c.detail}`);
    if (c.fix) lines.push(status === "warn" || status === "fail" ? `    fix: ${c.fix}` : `    ${c.fix}`);
  }
  lines.push("");
  if (summary) {
    lines.push(
      `${summaryText(summary)}: ${summary.ok} passed, ${summary.warn} warning(s), ${summary.fail} failed, ${summary.skip} skipped`,
    );
  } else {
    lines.push(`(incomplete: ${plural(checks.length, "check")} so far)`);
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
      toast("Cannot copy the report", "Select the checks and copy them with Ctrl+C / ⌘C");
      return;
    }
  }
  toast("Report copied", null, "ok");
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
