// The Settings view: port, outbound route (+ NO_PROXY), thinking, providers and keys (with a
// Test button), the default provider, Codex integration and start at login. Every control calls
// a command; the new state comes back (and as a State event) and the view re-renders from it.
import type { AppView, CodexView, ProviderView, UiEvent } from "../bindings.js";
import { api } from "../api.js";
import { act, byId, h, toast } from "../dom.js";

let root: HTMLElement;
let state: AppView | null = null;

export function init(el: HTMLElement): void {
  root = el;
  root.append(
    section(
      "Proxy",
      h(
        "div",
        { class: "row" },
        h("label", { for: "port" }, "Listen port"),
        h("input", { id: "port", type: "number", min: "1", max: "65535", inputmode: "numeric" }),
        h("button", { id: "port-apply", type: "button" }, "Apply and restart"),
      ),
      h("p", { id: "port-note", class: "note" }),
    ),
    section(
      "Outbound route",
      h("p", { class: "note" }, "How requests to the providers leave this machine."),
      h("div", { id: "route-choices", class: "choices", role: "radiogroup" }),
      h(
        "div",
        { class: "row" },
        h("label", { for: "route-custom-url" }, "Proxy URL"),
        h("input", {
          id: "route-custom-url",
          type: "text",
          placeholder: "http://127.0.0.1:7890 or socks5://user:password@127.0.0.1:1080",
          spellcheck: "false",
        }),
        h("button", { id: "route-custom-apply", type: "button" }, "Use this proxy"),
      ),
      h(
        "div",
        { class: "row" },
        h("label", { for: "no-proxy" }, "Never proxy (NO_PROXY)"),
        h("input", { id: "no-proxy", type: "text", placeholder: "corp.example, 10.0.0.0/8", spellcheck: "false" }),
        h("button", { id: "no-proxy-apply", type: "button" }, "Save and restart"),
      ),
      h("p", { id: "route-description", class: "mono" }),
      h("p", { id: "route-warning", class: "warning", hidden: true }),
    ),
    section(
      "Model behaviour",
      h(
        "label",
        { class: "check" },
        h("input", { id: "thinking", type: "checkbox" }),
        " Thinking (reasoning) — off sends every request with thinking disabled where the provider allows it",
      ),
    ),
    section(
      "Providers",
      h("p", { class: "note" }, "Keys are saved to the .env file in the data directory; they never appear in the log."),
      h("div", { id: "providers" }),
    ),
    section(
      "Codex",
      h("p", { id: "codex-summary" }, "Reading ~/.codex/config.toml…"),
      h("p", { id: "codex-fix", class: "note", hidden: true }),
      h(
        "div",
        { class: "row" },
        h("label", { for: "codex-model" }, "Model"),
        h("select", { id: "codex-model" }),
        h("button", { id: "codex-enable", type: "button" }, "Point Codex here"),
        h("button", { id: "codex-disable", type: "button" }, "Undo"),
      ),
    ),
    section(
      "App",
      h("label", { class: "check" }, h("input", { id: "autostart", type: "checkbox" }), " Start at login (in the tray)"),
      h("p", { id: "paths", class: "note mono" }),
      h("ul", { id: "warnings", class: "warning" }),
    ),
  );

  const portApply = byId<HTMLButtonElement>("port-apply");
  portApply.addEventListener("click", () => {
    const value = Number(byId<HTMLInputElement>("port").value);
    if (!Number.isInteger(value) || value < 1 || value > 65535) {
      toast("The port must be a number from 1 to 65535.", "8788 is the default.");
      return;
    }
    void act(portApply, () => api.setPort(value)).then(render);
  });

  const customApply = byId<HTMLButtonElement>("route-custom-apply");
  customApply.addEventListener("click", () => {
    const url = byId<HTMLInputElement>("route-custom-url").value.trim();
    if (!url) {
      toast("Type a proxy URL first.", "e.g. http://127.0.0.1:7890");
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
}

function section(title: string, ...body: HTMLElement[]): HTMLElement {
  return h("fieldset", { class: "card" }, h("legend", {}, title), ...body);
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
  const busy = next.status.state === "error" && next.status.message.includes(" in use");
  byId("port-note").textContent = !next.port.editable
    ? `Set by ${next.port.source}; change it there.`
    : busy
      ? `${next.status.state === "error" ? next.status.message : ""}. Pick another port and click "Apply and restart" (Codex's base_url follows it: point Codex here again below).`
      : `Codex's base_url follows this port (${next.port.source}).`;
  byId("port-note").classList.toggle("warning", busy);

  renderRoute(next);
  byId<HTMLInputElement>("thinking").checked = next.thinking;
  renderProviders(next);
  byId<HTMLInputElement>("autostart").checked = next.autostart;
  byId("paths").textContent = `Data: ${next.dataDir} · Log: ${next.logPath}`;
  byId("warnings").replaceChildren(...next.warnings.map((w) => h("li", {}, w)));
  renderModels(next);
}

function renderRoute(s: AppView): void {
  const r = s.route;
  const choices = [
    ...r.presets.map((p) => ({ value: p.value, label: p.label, detected: p.detected })),
    { value: "custom", label: "Custom proxy URL", detected: false },
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
        ` ${c.label}`,
        c.detected ? h("span", { class: "badge" }, "detected") : null,
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
    box.replaceChildren(h("p", { class: "warning" }, "No provider is configured: add a key below or in the .env file."));
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
    title: p.configured ? "Make this the default provider" : "Add its key first",
  });
  radio.addEventListener("change", () => void act(null, () => api.setDefaultProvider(p.id)).then(render));
  const key = h("input", {
    class: "key-input",
    type: "password",
    placeholder: p.keyMasked ? `${p.keyVar}: ${p.keyMasked}` : `${p.keyVar} (not set)`,
    autocomplete: "off",
    spellcheck: "false",
  });
  const save = h("button", { class: "key-save", type: "button" }, "Save key");
  save.addEventListener("click", () => {
    const value = key.value.trim();
    if (!value) {
      toast(`Paste the ${p.label} key first.`, `It is stored as ${p.keyVar} in the data directory's .env.`);
      return;
    }
    void act(save, () => api.saveProviderKey(p.id, value)).then((next) => {
      if (next) {
        key.value = "";
        toast(`${p.label} key saved; the proxy restarted with it.`, null, "ok");
      }
      render(next);
    });
  });
  const result = h("div", { class: "test-result" });
  const test = h("button", { class: "key-test", type: "button" }, "Test");
  test.addEventListener("click", () => {
    result.textContent = "Testing…";
    void act(test, () => api.testProvider(p.id)).then((r) => {
      if (!r) {
        result.textContent = "";
        return;
      }
      result.dataset.passed = String(r.passed);
      result.replaceChildren(
        ...r.checks.map((c) =>
          h(
            "div",
            { class: `check-line ${c.status}` },
            `${c.status.toUpperCase()} ${c.title}: ${c.detail}`,
            c.fix ? h("div", { class: "fix" }, `Fix: ${c.fix}`) : null,
          ),
        ),
      );
    });
  });
  const source = p.keySource ? ` (from ${p.keySource})` : "";
  return h(
    "div",
    { class: "provider", "data-provider": p.id },
    h("label", { class: "provider-name" }, radio, ` ${p.label}`, isDefault ? h("span", { class: "badge" }, "default") : null),
    h("div", { class: "note mono" }, `${p.baseUrl} · ${p.models.join(", ") || "(no model list)"}`),
    h("div", { class: "note" }, p.keyMasked ? `Key ${p.keyMasked}${source}` : `No key: set ${p.keyVar} to use ${p.label}`),
    p.keyShadowed
      ? h("div", { class: "warning" }, `${p.keyVar} is set in the environment, so a key saved here is not used.`)
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
    h("option", { value: "" }, "Default provider's default model"),
    ...models.map(({ m, p }) => h("option", { value: m, selected: m === chosen }, `${m} (${p})`)),
  );
}

function renderCodex(view: CodexView | undefined): void {
  if (!view) return;
  byId("codex-summary").textContent = view.summary;
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
