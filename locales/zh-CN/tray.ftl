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
tray-detected = — 已检测到
tray-thinking = 思考模式
tray-provider-menu = 模型服务商
tray-open-log = 打开日志…
tray-settings = 设置…
tray-diagnose = 网络诊断…
tray-autostart = 登录时启动
tray-restart = 重启代理
tray-quit = 退出
