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
tray-detected = — detected
tray-thinking = Thinking
tray-provider-menu = Provider
tray-open-log = Open log…
tray-settings = Settings…
tray-diagnose = Diagnose network…
tray-autostart = Start at login
tray-restart = Restart proxy
tray-quit = Quit
