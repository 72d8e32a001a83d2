# mimo2codex — English messages.
# Every id here must exist in zh-CN.ftl with the same variables (src/i18n/tests.rs checks).
# Product, vendor and proxy-app names (Clash, Surge, DeepSeek…) are not translated.

## Tray menu

tray-status-starting = Starting…
tray-status-running = Running on { $addr }
tray-status-stopped = Stopped
tray-status-error = Error: { $why }
tray-tooltip = mimo2codex — { $status }
tray-route-alert-port = Nothing listens on { $host }:{ $port }
tray-route-alert-other = The outbound proxy is not reachable
tray-proxy-menu = Outbound proxy
tray-proxy-direct = Direct
tray-proxy-system = System proxy
tray-proxy-env = From environment
tray-proxy-custom = Custom: { $route }
tray-proxy-custom-edit = Custom…
tray-detected = — detected
tray-thinking = Thinking
tray-provider-menu = Provider
tray-open-log = Open log…
tray-settings = Settings…
tray-diagnose = Diagnose network…
tray-autostart = Start at login
tray-restart = Restart proxy
tray-quit = Quit

## Desktop messages built in Rust (src-tauri/src)

desktop-codex-off = Codex does not use mimo2codex ({ $path }).
    .fix = Click "Point Codex here" to set it up; your other Codex settings stay.
desktop-codex-elsewhere = Codex points at { $url } but the proxy serves { $expected }.
    .fix = Click "Point Codex here" again to update the address.
desktop-codex-on = Codex uses mimo2codex at { $url } with model { $model }.
desktop-codex-default-model = (default)
desktop-codex-untouched = Fix or move ~/.codex/config.toml, then try again; nothing was changed.
desktop-no-provider = No provider is configured yet.
    .fix = Add an API key under Providers first.
desktop-settings-unwritable = Check that the data directory is writable (its path is at the bottom of Settings).
desktop-route-fix = Pick another route, or fix the proxy URL (e.g. http://127.0.0.1:7890).
desktop-key-empty = The key is empty.
    .fix = Paste the provider's API key.
desktop-key-no-variable = { $provider } does not take its API key from a variable.
    .fix = Set its key in providers.json.
desktop-port-zero = Port 0 is not a fixed port.
    .fix = Use a port from 1024 to 65535, e.g. 8788.
desktop-autostart-failed = Cannot change start at login: { $error }
    .fix = Check that ~/.config/autostart (Linux) or the login items (macOS, Windows) can be written.
desktop-port-in-use = port { $port } in use{ $holder }
desktop-route-pending = proxy: { $route } (applies when the proxy runs)
desktop-route-not-listening = Nothing listens on { $host }:{ $port }, so requests to the providers fail with ECONNREFUSED until your proxy app runs there. Start it, or pick another route; Diagnose shows which proxy ports answer.
