// The Settings view: port, outbound route (+ NO_PROXY), thinking, providers and keys (with a
// Test button), the default provider, Codex integration and start at login. Every control calls
// a command; the new state comes back (and as a State event) and the view re-renders from it.
// The language picker (#language) is here too; main.ts relabels the page when `language` changes.
import type { AppView, CodexView, ProviderView, UiEvent } from "../bindings.js";
import { api } from "../api.js";
import { act, byId, h, toast } from "../dom.js";
import { i18nArgs, label, onLanguageChange, plain, t, type Args } from "../i18n.js";

let root: HTMLElement;
let state: AppView | null = null;

export function init(el: HTMLElement): void {
  root = el;
  root.append(
    section(
      "ui-section-proxy",
      h(
        "div",
        { class: "row" },
        h("label", { for: "port", "data-i18n": "ui-port-label" }),
        h("input", { id: "port", type: "number", min: "1", max: "65535", inputmode: "numeric" }),
        h("button", { id: "port-apply", type: "button", "data-i18n": "ui-port-apply" }),
      ),
      h("p", { id: "port-note", class: "note" }),
    ),
    section(
      "ui-section-route",
      h("p", { class: "note", "data-i18n": "ui-route-note" }),
      h("div", { id: "route-choices", class: "choices", role: "radiogroup" }),
      h(
        "div",
        { class: "row" },
        h("label", { for: "route-custom-url", "data-i18n": "ui-route-custom-label" }),
        h("input", {
          id: "route-custom-url",
          type: "text",
          "data-i18n-placeholder": "ui-route-custom-placeholder",
          spellcheck: "false",
        }),
        h("button", { id: "route-custom-apply", type: "button", "data-i18n": "ui-route-custom-apply" }),
      ),
      h(
        "div",
        { class: "row" },
        h("label", { for: "no-proxy", "data-i18n": "ui-no-proxy-label" }),
        h("input", {
          id: "no-proxy",
          type: "text",
          "data-i18n-placeholder": "ui-no-proxy-placeholder",
          spellcheck: "false",
        }),
        h("button", { id: "no-proxy-apply", type: "button", "data-i18n": "ui-no-proxy-apply" }),
      ),
      h("p", { id: "route-description", class: "mono" }),
      h("p", { id: "route-warning", class: "warning", hidden: true }),
    ),
    section(
      "ui-section-model",
      h(
        "label",
        { class: "check" },
        h("input", { id: "thinking", type: "checkbox" }),
        " ",
        h("span", { "data-i18n": "ui-thinking" }),
      ),
    ),
    section(
      "ui-section-providers",
      h("p", { class: "note", "data-i18n": "ui-providers-note" }),
      h("div", { id: "providers" }),
    ),
    section(
      "ui-section-codex",
      h("p", { id: "codex-summary", "data-i18n": "ui-codex-reading" }),
      h("p", { id: "codex-fix", class: "note", hidden: true }),
      h(
        "div",
        { class: "row" },
        h("label", { for: "codex-model", "data-i18n": "ui-codex-model" }),
        h("select", { id: "codex-model" }),
        h("button", { id: "codex-enable", type: "button", "data-i18n": "ui-codex-enable" }),
        h("button", { id: "codex-disable", type: "button", "data-i18n": "ui-codex-disable" }),
      ),
    ),
    section(
      "ui-section-app",
      h(
        "div",
        { class: "row" },
        h("label", { for: "language", "data-i18n": "ui-language-label" }),
        h(
          "select",
          { id: "language" },
          h("option", { value: "system", "data-i18n": "ui-language-system" }),
          h("option", { value: "en", "data-i18n": "ui-language-en" }),
          h("option", { value: "zh-CN", "data-i18n": "ui-language-zh-cn" }),
        ),
      ),
      h("p", { id: "language-note", class: "note", "data-i18n": "ui-language-note" }),
      h(
        "label",
        { class: "check" },
        h("input", { id: "autostart", type: "checkbox" }),
        " ",
        h("span", { "data-i18n": "ui-autostart" }),
      ),
      h("p", { id: "paths", class: "note mono" }),
      h("ul", { id: "warnings", class: "warning" }),
    ),
  );

  const portApply = byId<HTMLButtonElement>("port-apply");
  portApply.addEventListener("click", () => {
    const value = Number(byId<HTMLInputElement>("port").value);
    if (!Number.isInteger(value) || value < 1 || value > 65535) {
      toast(t("ui-port-invalid"), t("ui-port-invalid-fix"));
      return;
    }
    void act(portApply, () => api.setPort(value)).then(render);
  });

  const customApply = byId<HTMLButtonElement>("route-custom-apply");
  customApply.addEventListener("click", () => {
    const url = byId<HTMLInputElement>("route-custom-url").value.trim();
    if (!url) {
      toast(t("ui-route-custom-missing"), t("ui-route-custom-missing-fix"));
      return;
    }
    void act(customApply, () => api.setRoute(url)).then(render);
  });

  const noProxyApply = byId<HTMLButtonElement>("no-proxy-apply");
  noProxyApply.addEventListener("click", () => {
    void act(noProxyApply, () => api.setNoProxy(byId<HTMLInputElement>("no-proxy").value)).then(render);
  });

  const thinking = byId<HTMLInputElement>("thinking");
  thinking.addEventListener("change", () => void act(null, () => api.setThinking(thinking.checked)).then(render));

  const autostart = byId<HTMLInputElement>("autostart");
  autostart.addEventListener("change", () => void act(null, () => api.setAutostart(autostart.checked)).then(render));

  const enable = byId<HTMLButtonElement>("codex-enable");
  enable.addEventListener("click", () => {
    const model = byId<HTMLSelectElement>("codex-model").value || null;
    void act(enable, () => api.codexEnable(model)).then(renderCodex);
  });
  const disable = byId<HTMLButtonElement>("codex-disable");
  disable.addEventListener("click", () => void act(disable, api.codexDisable).then(renderCodex));

  const language = byId<HTMLSelectElement>("language");
  language.addEventListener("change", () => {
    // The State event that follows switches the page (main.ts); the answer renders the picker.
    void act(null, () => api.setLanguage(language.value)).then((next) => {
      if (next) render(next);
      else if (state) language.value = state.languageChoice;
    });
  });
  // The page was relabelled; Codex's summary is Rust's text: ask again, in the new language.
  onLanguageChange(() => void act(null, api.codexStatus).then(renderCodex));
}

/** A card; `titleId` is its legend's message id. */
function section(titleId: string, ...body: HTMLElement[]): HTMLElement {
  return h("fieldset", { class: "card" }, label(h("legend"), titleId), ...body);
}

/** Sets an input's value unless the user is typing in it. */
function setValue(input: HTMLInputElement, value: string): void {
  if (document.activeElement !== input) input.value = value;
}

function render(next: AppView | undefined): void {
  if (!next) return;
  state = next;
  setValue(byId<HTMLInputElement>("port"), String(next.port.value));
  byId<HTMLInputElement>("port").disabled = !next.port.editable;
  byId<HTMLButtonElement>("port-apply").disabled = !next.port.editable;
  const busy = next.status.state === "error" && next.status.portBusy;
  const portNote = byId("port-note");
  if (!next.port.editable) label(portNote, "ui-port-locked", { source: next.port.source });
  else if (busy) label(portNote, "ui-port-busy", { error: next.status.state === "error" ? next.status.message : "" });
  else if (next.port.source === "default") label(portNote, "ui-port-note-default");
  else label(portNote, "ui-port-note", { source: next.port.source });
  portNote.classList.toggle("warning", busy);

  renderRoute(next);
  byId<HTMLInputElement>("thinking").checked = next.thinking;
  renderProviders(next);
  byId<HTMLInputElement>("autostart").checked = next.autostart;
  label(byId("paths"), "ui-paths", { data: next.dataDir, log: next.logPath });
  byId("warnings").replaceChildren(...next.warnings.map((w) => h("li", {}, w)));
  renderModels(next);
  renderLanguage(next);
}

function renderLanguage(s: AppView): void {
  const select = byId<HTMLSelectElement>("language");
  // Locked: show the language MIMO2CODEX_LANG sets, not the choice saved in settings.json.
  if (document.activeElement !== select) select.value = s.languageLocked ? s.language : s.languageChoice;
  select.disabled = s.languageLocked;
  const note = byId("language-note");
  label(note, s.languageLocked ? "ui-language-locked" : "ui-language-note");
  note.classList.toggle("warning", s.languageLocked);
}

function renderRoute(s: AppView): void {
  const r = s.route;
  const choices = [
    ...r.presets.map((p) => ({ value: p.value, label: p.label, labelId: null, detected: p.detected })),
    { value: "custom", label: "", labelId: "ui-route-custom", detected: false },
  ];
  byId("route-choices").replaceChildren(
    ...choices.map((c) => {
      const input = h("input", { type: "radio", name: "route", value: c.value, checked: r.choice === c.value });
      input.addEventListener("change", () => {
        if (c.value === "custom") {
          byId<HTMLInputElement>("route-custom-url").focus();
          return;
        }
        void act(null, () => api.setRoute(c.value)).then(render);
      });
      return h(
        "label",
        { class: "choice", "data-route": c.value },
        input,
        " ",
        // Preset labels come from Rust, already in the language in effect.
        c.labelId ? label(h("span"), c.labelId) : h("span", {}, c.label),
        c.detected ? h("span", { class: "badge", "data-i18n": "ui-detected" }) : null,
      );
    }),
  );
  setValue(byId<HTMLInputElement>("route-custom-url"), r.customUrl);
  setValue(byId<HTMLInputElement>("no-proxy"), r.noProxy);
  byId("route-description").textContent = r.description;
  const warning = byId("route-warning");
  warning.hidden = !r.warning;
  warning.textContent = r.warning ?? "";
}

function renderProviders(s: AppView): void {
  const box = byId("providers");
  if (s.providers.length === 0) {
    box.replaceChildren(h("p", { class: "warning", "data-i18n": "ui-providers-none" }));
    return;
  }
  // Keep what the user is typing into a key field across re-renders.
  const typing = document.activeElement instanceof HTMLInputElement ? document.activeElement : null;
  const typingId = typing?.closest<HTMLElement>("[data-provider]")?.dataset.provider;
  const typed = typing?.value ?? "";
  box.replaceChildren(...s.providers.map((p) => providerRow(p, s.defaultProvider === p.id)));
  if (typingId) {
    const input = box.querySelector<HTMLInputElement>(`[data-provider="${CSS.escape(typingId)}"] .key-input`);
    if (input) {
      input.value = typed;
      input.focus();
    }
  }
}

function providerRow(p: ProviderView, isDefault: boolean): HTMLElement {
  const radio = h("input", {
    type: "radio",
    name: "default-provider",
    value: p.id,
    checked: isDefault,
    disabled: !p.configured,
    "data-i18n-title": p.configured ? "ui-provider-make-default" : "ui-provider-needs-key",
  });
  radio.addEventListener("change", () => void act(null, () => api.setDefaultProvider(p.id)).then(render));
  const key = h("input", {
    class: "key-input",
    type: "password",
    placeholder: p.keyMasked ? `${p.keyVar}: ${p.keyMasked}` : undefined,
    "data-i18n-placeholder": p.keyMasked ? undefined : "ui-key-placeholder-unset",
    "data-i18n-args": p.keyMasked ? undefined : i18nArgs({ var: p.keyVar }),
    autocomplete: "off",
    spellcheck: "false",
  });
  const save = h("button", { class: "key-save", type: "button", "data-i18n": "ui-key-save" });
  save.addEventListener("click", () => {
    const value = key.value.trim();
    if (!value) {
      toast(t("ui-key-empty", { provider: p.label }), t("ui-key-empty-fix", { var: p.keyVar }));
      return;
    }
    void act(save, () => api.saveProviderKey(p.id, value)).then((next) => {
      if (next) {
        key.value = "";
        toast(t("ui-key-saved", { provider: p.label }), null, "ok");
      }
      render(next);
    });
  });
  const result = h("div", { class: "test-result" });
  const test = h("button", { class: "key-test", type: "button", "data-i18n": "ui-key-test" });
  test.addEventListener("click", () => {
    label(result, "ui-key-testing");
    void act(test, () => api.testProvider(p.id)).then((r) => {
      if (!r) {
        plain(result, "");
        return;
      }
      // The result replaces the "Testing…" label; its lines re-label themselves.
      result.removeAttribute("data-i18n");
      result.dataset.passed = String(r.passed);
      result.replaceChildren(
        ...r.checks.map((c) =>
          h(
            "div",
            { class: `check-line ${c.status}` },
            h("span", {
              "data-i18n": "ui-test-line",
              "data-i18n-args": i18nArgs({ status: c.status, title: c.title, detail: c.detail }),
            }),
            c.fix ? h("div", { class: "fix", "data-i18n": "ui-fix", "data-i18n-args": i18nArgs({ fix: c.fix }) }) : null,
          ),
        ),
      );
    });
  });
  const keyNote: { id: string; args: Args } = !p.keyMasked
    ? { id: "ui-key-none", args: { var: p.keyVar, provider: p.label } }
    : p.keySource === "environment"
      ? { id: "ui-key-from-env", args: { key: p.keyMasked } }
      : p.keySource
        ? { id: "ui-key-from-file", args: { key: p.keyMasked, source: p.keySource } }
        : { id: "ui-key-set", args: { key: p.keyMasked } };
  return h(
    "div",
    { class: "provider", "data-provider": p.id },
    h(
      "label",
      { class: "provider-name" },
      radio,
      ` ${p.label}`,
      isDefault ? h("span", { class: "badge", "data-i18n": "ui-default-badge" }) : null,
    ),
    h(
      "div",
      { class: "note mono" },
      `${p.baseUrl} · `,
      p.models.length > 0 ? p.models.join(", ") : h("span", { "data-i18n": "ui-no-models" }),
    ),
    label(h("div", { class: "note" }), keyNote.id, keyNote.args),
    p.keyShadowed
      ? h("div", { class: "warning", "data-i18n": "ui-key-shadowed", "data-i18n-args": i18nArgs({ var: p.keyVar }) })
      : null,
    h("div", { class: "row" }, key, save, test),
    result,
  );
}

function renderModels(s: AppView): void {
  const select = byId<HTMLSelectElement>("codex-model");
  const chosen = select.value;
  const models = s.providers.flatMap((p) => p.models.map((m) => ({ m, p: p.label })));
  select.replaceChildren(
    h("option", { value: "", "data-i18n": "ui-codex-model-default" }),
    ...models.map(({ m, p }) => h("option", { value: m, selected: m === chosen }, `${m} (${p})`)),
  );
}

function renderCodex(view: CodexView | undefined): void {
  if (!view) return;
  plain(byId("codex-summary"), view.summary);
  byId("codex-summary").dataset.enabled = String(view.enabled);
  const fix = byId("codex-fix");
  fix.hidden = !view.fix;
  fix.textContent = view.fix ?? "";
  byId<HTMLButtonElement>("codex-disable").disabled = !view.enabled;
}

export function show(): void {
  if (state) render(state);
  void act(null, api.codexStatus).then(renderCodex);
}

export function hide(): void {}

export function onEvent(event: UiEvent): void {
  if (event.type === "state") render(event.state);
}
