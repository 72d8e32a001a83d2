# 简体中文：桌面窗口（ui/src、ui/index.html）。每个 id 都以 `ui-` 开头。
# 这里的每个 id 都必须在 en/ui.ftl 中存在，且变量相同（由 src/i18n/tests.rs 检查）。
# 来自 Rust 的文本（诊断检查、错误、出站路由说明、预设名称）不在这里。
# 产品、模型和代理软件的名称，以及 .env、NO_PROXY、base_url、环境变量名等不翻译。

## 顶栏和标签页

ui-status-starting = 正在启动…
ui-status-running = 运行中：{ $addr } — Codex base_url：{ $url }
ui-status-stopped = 已停止
ui-status-error = 错误：{ $message }
ui-restart = 重启代理
ui-restart-title = 停止代理，并按已保存的设置重新启动
ui-tab-settings = 设置
ui-tab-log = 日志
ui-tab-diagnose = 网络诊断
ui-start-failed = 窗口无法启动：{ $error }

## 设置：代理（监听端口）

ui-section-proxy = 代理
ui-port-label = 监听端口
ui-port-apply = 应用并重启
ui-port-invalid = 端口必须是 1 到 65535 之间的数字。
ui-port-invalid-fix = 默认端口是 8788。
# $source：设置端口的命令行参数或环境变量，例如 MIMO2CODEX_PORT。
ui-port-locked = 端口由 { $source } 指定，请在那里修改。
# $error：引擎无法监听的原因（来自引擎，已是当前语言）。
ui-port-busy = { $error }。请换一个端口，然后点击“{ ui-port-apply }”（Codex 的 base_url 会随之变化：之后请在下方再点一次“{ ui-codex-enable }”）。
ui-port-note = Codex 的 base_url 跟随此端口（{ $source }）。
ui-port-note-default = Codex 的 base_url 跟随此端口（默认）。

## 设置：出站代理

ui-section-route = 出站代理
ui-route-note = 发往模型服务商的请求从本机出去的方式。
ui-route-custom = 自定义代理地址
ui-route-custom-label = 代理地址
ui-route-custom-placeholder = http://127.0.0.1:7890 或 socks5://用户名:密码@127.0.0.1:1080
ui-route-custom-apply = 使用此代理
ui-route-custom-missing = 请先填写代理地址。
ui-route-custom-missing-fix = 例如 http://127.0.0.1:7890
ui-detected = 已检测到
ui-no-proxy-label = 不走代理（NO_PROXY）
ui-no-proxy-placeholder = corp.example, 10.0.0.0/8
ui-no-proxy-apply = 保存并重启

## 设置：模型行为

ui-section-model = 模型行为
ui-thinking = 思考模式（推理）— 关闭后，只要服务商支持，每个请求都会关闭思考

## 设置：模型服务商和密钥

ui-section-providers = 模型服务商
ui-providers-note = 密钥保存在数据目录的 .env 文件中，不会出现在日志里。
ui-providers-none = 还没有配置任何模型服务商：请在下方或 .env 文件中添加密钥。
ui-provider-make-default = 设为默认服务商
ui-provider-needs-key = 请先添加它的密钥
ui-default-badge = 默认
ui-no-models = （无模型列表）
# $var：保存密钥的环境变量，例如 DS_API_KEY。
ui-key-placeholder-unset = { $var }（未设置）
ui-key-save = 保存密钥
ui-key-empty = 请先粘贴 { $provider } 的密钥。
ui-key-empty-fix = 密钥会以 { $var } 保存到数据目录的 .env 中。
ui-key-saved = { $provider } 的密钥已保存，代理已使用新密钥重启。
# $key：打码后的密钥（sk-…abcd）。
ui-key-set = 密钥 { $key }
ui-key-from-env = 密钥 { $key }（来自环境变量）
# $source：.env 文件的路径。
ui-key-from-file = 密钥 { $key }（来自 { $source }）
ui-key-none = 没有密钥：设置 { $var } 后即可使用 { $provider }
ui-key-shadowed = 环境变量中已设置 { $var }，因此在这里保存的密钥不会生效。
ui-key-test = 测试
ui-key-testing = 正在测试…
# 服务商测试中的一项检查：$title 和 $detail 来自引擎。
ui-test-line = { $status ->
        [ok] 通过
        [warn] 警告
        [fail] 失败
        [skip] 跳过
       *[other] 信息
    } { $title }：{ $detail }
ui-fix = 解决办法：{ $fix }

## 设置：Codex

ui-section-codex = Codex
ui-codex-reading = 正在读取 ~/.codex/config.toml…
ui-codex-model = 模型
ui-codex-model-default = 默认服务商的默认模型
ui-codex-enable = 让 Codex 使用本代理
ui-codex-disable = 撤销

## 设置：应用（语言、登录时启动、路径）

ui-section-app = 应用
# 故意写成双语：看不懂当前语言的人也能找到它。
ui-language-label = 语言 / Language
ui-language-system = 跟随系统
# 语言名称在两份目录中都用它自己的语言书写。
ui-language-en = English
ui-language-zh-cn = 简体中文
ui-language-note = 托盘菜单和本窗口会立即切换。
ui-language-locked = 语言已由环境变量 MIMO2CODEX_LANG 指定；取消设置后才能在这里选择。
ui-autostart = 登录时启动（在托盘中运行）
ui-paths = 数据：{ $data } · 日志：{ $log }

## 日志

ui-log-level-title = 显示此级别及以上的日志
ui-log-level-all = 全部级别
ui-log-level-error = 错误
ui-log-level-warn = 警告和错误
ui-log-level-info = 信息及以上
ui-log-level-debug = 调试及以上
ui-log-search = 搜索（不区分大小写）
ui-log-follow = 跟随最新
ui-log-follow-title = 始终滚动到最新一行
ui-log-copy = 复制
ui-log-copy-title = 复制当前显示的日志
ui-log-clear = 清空视图
ui-log-clear-title = 清空此视图（日志文件保留）
# $reason：文件变化的原因（来自应用），例如日志文件被轮转或截断。
ui-log-reset = { $reason }；正在显示新文件
ui-log-missing = 日志文件尚不存在——写入第一行日志时才会创建
ui-log-truncated = 只显示最后 { $count } 行（更早的内容在文件中）
ui-log-cannot-show = 无法显示日志：{ $error }
ui-log-empty = 还没有日志。
ui-log-no-match = 没有符合筛选条件的日志。
ui-log-new-lines = { $count } 行新日志
ui-log-nothing-to-copy = 没有可复制的内容：当前没有显示任何日志。
ui-log-copied = 已复制 { $count } 行。
ui-log-copy-failed = 无法复制到剪贴板：{ $error }
ui-copy-refused = 浏览器拒绝了复制

## 网络诊断

ui-doctor-title = 网络诊断
ui-doctor-intro = 检查两段链路：本机上的 Codex → mimo2codex，以及 mimo2codex → 代理 → 各模型服务商。
ui-doctor-run = 开始检查
ui-doctor-running = 正在检查…
ui-doctor-copy = 复制报告
# 检查的状态，用于读屏软件和图标的提示。
ui-check-status = { $status ->
        [ok] 通过
        [warn] 警告
        [fail] 失败
        [skip] 已跳过
       *[other] 信息
    }
ui-doctor-progress-start = 正在检查…
ui-doctor-progress-running = 已完成 { $count } 项检查…
ui-doctor-progress-done = 已完成 { $count } 项检查
ui-doctor-could-not-run = 无法运行检查：{ $error }
ui-doctor-failed = 诊断失败
ui-doctor-passed = 全部检查通过
ui-doctor-passed-warnings = 全部检查通过（{ $warn } 个警告）
ui-doctor-problems = 发现 { $fail } 个问题
ui-doctor-problems-warnings = 发现 { $fail } 个问题，{ $warn } 个警告

## 网络诊断：复制到 issue 里的报告

ui-report-title = mimo2codex 诊断报告
ui-report-title-at = mimo2codex 诊断报告（{ $time }）
ui-report-fix = 解决办法：{ $fix }
ui-report-totals = { $summary }：{ $ok } 项通过，{ $warn } 项警告，{ $fail } 项失败，{ $skip } 项跳过
ui-report-incomplete = （未完成：目前已完成 { $count } 项检查）
ui-report-copied = 报告已复制
ui-report-copy-failed = 无法复制报告
ui-report-copy-failed-fix = 请选中检查结果，再按 Ctrl+C / ⌘C 复制
