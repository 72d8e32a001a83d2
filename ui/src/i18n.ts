// The windows' text in the language in effect: the Fluent catalogue the Rust side serves
// (`i18n_catalog`, the same locales/<lang>/*.ftl the tray and the CLI use), formatted here with
// @fluent/bundle. A message the catalogue lacks falls back to English (locales/en/ui.ftl, built
// into the bundle), then to its id — as on the Rust side.
//
// Text that must follow a language switch is set with `label(el, id, args)` or the element
// attributes `data-i18n` (text), `data-i18n-title`, `data-i18n-placeholder`, `data-i18n-aria-label`
// (message ids) and `data-i18n-args` (JSON); `relabel(root)` formats them all again. Text that comes
// from Rust (check results, errors, route descriptions) is shown as given: `plain(el, text)`.
import { FluentBundle, FluentResource } from "@fluent/bundle";
import englishUi from "../../locales/en/ui.ftl";
import { api } from "./api.js";

/** A message's arguments. */
export type Args = Record<string, string | number>;

/** The attributes `relabel` fills: data attribute → what it sets (text or an attribute). */
const TARGETS: [data: string, target: string][] = [
  ["data-i18n", "text"],
  ["data-i18n-title", "title"],
  ["data-i18n-placeholder", "placeholder"],
  ["data-i18n-aria-label", "aria-label"],
];
const SELECTOR = TARGETS.map(([data]) => `[${data}]`).join(",");

function makeBundle(lang: string, ftl: string): FluentBundle {
  // No Unicode isolation marks around placeables (the Rust side does the same).
  const bundle = new FluentBundle(lang, { useIsolating: false });
  const errors = bundle.addResource(new FluentResource(ftl));
  if (errors.length > 0) console.warn(`catalogue ${lang}:`, errors);
  return bundle;
}

const english = makeBundle("en", englishUi);
let bundle = english;
let current = "en";

/** The language of the loaded catalogue (`en`, `zh-CN`). */
export function language(): string {
  return current;
}

function format(b: FluentBundle, id: string, args?: Args): string | null {
  const message = b.getMessage(id);
  if (!message?.value) return null;
  const errors: Error[] = [];
  const text = b.formatPattern(message.value, args ?? null, errors);
  if (errors.length > 0) console.warn(`message ${id}:`, errors);
  return text;
}

/** The message `id` with `args`; English when the catalogue lacks it, else the id. */
export function t(id: string, args?: Args): string {
  return format(bundle, id, args) ?? format(english, id, args) ?? id;
}

/** `data-i18n-args` for `h()`: a message's arguments as the attribute's JSON. */
export function i18nArgs(args: Args): string {
  return JSON.stringify(args);
}

function argsOf(el: Element): Args | undefined {
  const json = el.getAttribute("data-i18n-args");
  if (!json) return undefined;
  try {
    return JSON.parse(json) as Args;
  } catch {
    return undefined;
  }
}

/** Formats one element's `data-i18n*` attributes. */
export function relabelOne(el: Element): void {
  const args = argsOf(el);
  for (const [data, target] of TARGETS) {
    const id = el.getAttribute(data);
    if (id === null) continue;
    const text = t(id, args);
    if (target === "text") {
      if (el.textContent !== text) el.textContent = text;
    } else {
      el.setAttribute(target, text);
    }
  }
}

/** Formats every `data-i18n*` attribute in `root` (and on it) in the current language. */
export function relabel(root: ParentNode = document): void {
  if (root instanceof Element && root.matches(SELECTOR)) relabelOne(root);
  for (const el of root.querySelectorAll(SELECTOR)) relabelOne(el);
}

/** Shows the message `id` in `el`, and again in the new language after a switch; returns `el`. */
export function label<E extends Element>(el: E, id: string, args?: Args): E {
  el.setAttribute("data-i18n", id);
  if (args) el.setAttribute("data-i18n-args", JSON.stringify(args));
  else el.removeAttribute("data-i18n-args");
  relabelOne(el);
  return el;
}

/** Shows text that is not a message (a path, a message from Rust): a switch leaves it alone. */
export function plain(el: Element, text: string): void {
  el.removeAttribute("data-i18n");
  el.removeAttribute("data-i18n-args");
  el.textContent = text;
}

/** Loads the catalogue of `lang` (default: the language in effect) and sets `<html lang>`. */
export async function load(lang?: string): Promise<string> {
  const catalog = await api.i18nCatalog(lang ?? null);
  bundle = makeBundle(catalog.lang, catalog.ftl);
  current = catalog.lang;
  document.documentElement.lang = catalog.lang;
  return current;
}

const listeners: (() => void)[] = [];

/** Called after every language switch, once the page was relabelled (for text built in code). */
export function onLanguageChange(fn: () => void): void {
  listeners.push(fn);
}

/** The language being loaded, if a switch is under way. */
let wanted: string | null = null;
let queue: Promise<void> = Promise.resolve();

/**
 * Switches the page to `lang` (from a State event): loads its catalogue, relabels the whole page,
 * then tells the listeners. Switches run one at a time; a later one supersedes a pending one.
 */
export function follow(lang: string): Promise<void> {
  if (lang === (wanted ?? current)) return queue;
  wanted = lang;
  queue = queue.then(async () => {
    if (wanted !== lang) return;
    try {
      await load(lang);
    } catch (e) {
      console.error(`cannot load the ${lang} catalogue:`, e);
      if (wanted === lang) wanted = null;
      return;
    }
    if (wanted === lang) wanted = null;
    relabel(document);
    for (const fn of listeners) fn();
  });
  return queue;
}
