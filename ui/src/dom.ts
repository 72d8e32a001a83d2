// Small DOM helpers: typed lookups and element creation (no framework; the windows are small).
import { relabelOne } from "./i18n.js";

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing #${id}`);
  return el as T;
}

type Attrs = Record<string, string | boolean | undefined>;

/**
 * Creates an element; string children become text (never HTML). With `data-i18n` (a message id) the
 * element's text is that message, and `data-i18n-title` / `-placeholder` / `-aria-label` set those
 * attributes (arguments in `data-i18n-args`, see i18n.ts): they follow a language switch.
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Node | string | null | undefined)[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (v === true) el.setAttribute(k, "");
    else el.setAttribute(k, v);
  }
  for (const c of children) {
    if (c === null || c === undefined) continue;
    el.append(typeof c === "string" ? document.createTextNode(c) : c);
  }
  if (Object.keys(attrs).some((k) => k.startsWith("data-i18n"))) relabelOne(el);
  return el;
}

/** Shows a message at the bottom of the window for a few seconds. */
export function toast(message: string, fix: string | null = null, kind: "error" | "ok" = "error"): void {
  const box = byId("toast");
  box.replaceChildren(h("div", { class: "toast-message" }, message));
  if (fix) box.append(h("div", { class: "toast-fix" }, fix));
  box.className = `toast show ${kind}`;
  window.clearTimeout(Number(box.dataset.timer ?? 0));
  box.dataset.timer = String(window.setTimeout(() => (box.className = "toast"), kind === "error" ? 9000 : 3000));
}

/** Runs an action; a failure becomes a toast with its fix. Disables `button` meanwhile. */
export async function act<T>(button: HTMLButtonElement | null, run: () => Promise<T>): Promise<T | undefined> {
  if (button) button.disabled = true;
  try {
    return await run();
  } catch (e) {
    const err = e as { message?: string; fix?: string | null };
    toast(err.message ?? String(e), err.fix ?? null);
    return undefined;
  } finally {
    if (button) button.disabled = false;
  }
}
