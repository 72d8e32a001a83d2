# mimo2codex — 简体中文消息。
# 这里的每个 id 都必须在 en.ftl 中存在，且变量相同（由 src/i18n/tests.rs 检查）。
# 产品、厂商和代理软件的名称（Clash、Surge、DeepSeek…）不翻译。

## 托盘菜单

tray-status-starting = 正在启动…
tray-status-running = 运行中：{ $addr }
tray-status-stopped = 已停止
tray-status-error = 错误：{ $why }
tray-tooltip = mimo2codex — { $status }
tray-route-alert-port = { $host }:{ $port } 上没有程序在监听
tray-route-alert-other = 无法连接出站代理
tray-proxy-menu = 出站代理
tray-proxy-direct = 直连
tray-proxy-system = 系统代理
tray-proxy-env = 使用环境变量
tray-proxy-custom = 自定义：{ $route }
tray-proxy-custom-edit = 自定义…
tray-detected = — 已检测到
tray-thinking = 思考模式
tray-provider-menu = 模型服务商
tray-open-log = 打开日志…
tray-settings = 设置…
tray-diagnose = 网络诊断…
tray-autostart = 登录时启动
tray-restart = 重启代理
tray-quit = 退出

## 桌面端在 Rust 里生成的消息（src-tauri/src）

desktop-codex-off = Codex 没有使用 mimo2codex（{ $path }）。
    .fix = 点击“让 Codex 使用本代理”完成设置；你的其他 Codex 设置保持不变。
desktop-codex-elsewhere = Codex 指向 { $url }，但代理监听的是 { $expected }。
    .fix = 再点一次“让 Codex 使用本代理”来更新地址。
desktop-codex-on = Codex 正通过 { $url } 使用 mimo2codex，模型为 { $model }。
desktop-codex-default-model = （默认）
desktop-codex-untouched = 请修正或移走 ~/.codex/config.toml 后重试；文件没有被改动。
desktop-no-provider = 还没有配置任何模型服务商。
    .fix = 请先在“模型服务商”里添加 API Key。
desktop-settings-unwritable = 请确认数据目录可写（路径在“设置”页底部）。
desktop-route-fix = 换一个出站方式，或修正代理地址（例如 http://127.0.0.1:7890）。
desktop-key-empty = Key 是空的。
    .fix = 请粘贴该服务商的 API Key。
desktop-key-no-variable = { $provider } 不从环境变量读取 API Key。
    .fix = 请在 providers.json 里设置它的 Key。
desktop-port-zero = 端口 0 不是固定端口。
    .fix = 请使用 1024 到 65535 之间的端口，例如 8788。
desktop-autostart-failed = 无法更改“登录时启动”：{ $error }
    .fix = 请确认 ~/.config/autostart（Linux）或登录项（macOS、Windows）可写。
desktop-port-in-use = 端口 { $port } 已被占用{ $holder }
desktop-route-pending = 代理：{ $route }（代理启动后生效）
desktop-route-not-listening = { $host }:{ $port } 上没有程序在监听，发往模型服务商的请求会因 ECONNREFUSED 失败，直到代理软件在该端口运行。请启动它，或换一个出站方式；“网络诊断”会列出哪些代理端口有响应。
