# 简体中文：命令行（src/cli）：启动信息、命令输出、错误及解决办法；还有出站路线、引擎启动错误和
# `codex enable|disable|status`（src/codex_config），桌面端也会显示这些文本。clap 自带的 --help 和用法错误保持英文。
# 命令、参数、环境变量、路径、产品名和模型名不翻译。
# 标签（`cli-label-*`、不带 -value 的 `cli-banner-*`）由代码按显示宽度对齐。

## 消息和错误

cli-error = 错误：{ $message }
cli-warning = 警告：{ $message }
cli-error-bad-lang = 未知的语言 '{ $value }'（来自 --lang 或 MIMO2CODEX_LANG）：请使用 en、zh-CN 或 system
cli-error-data-dir = 无法创建数据目录 { $path }：{ $detail }。请用 --data-dir <可写目录> 指定其他目录。
cli-error-create = 无法创建 { $path }：{ $detail }
cli-error-runtime = 无法启动异步运行时：{ $detail }
cli-config-json = { $path }：第 { $line } 行，第 { $column } 列：{ $message }
cli-config-field = { $path }：providers[{ $index }].{ $field }：{ $message }
cli-config-read = 无法读取 { $path }：{ $detail }
cli-config-write = 无法写入 { $path }：{ $detail }
cli-config-unknown-provider = 未知的服务商 '{ $id }'（来自 { $origin }）；已配置的服务商：{ $known }

## 启动引擎

engine-port-in-use = { $host } 上的端口 { $port } 已被占用{ $holder }。请结束该进程，或用 --port <其他端口> 启动
engine-port-holder = （占用者：{ $holder }）
engine-cannot-listen = 无法监听 { $addr }：{ $detail }
engine-bad-host = 监听地址 '{ $host }' 无效：请使用 IP 地址，如 127.0.0.1
engine-client = 无法创建出站 HTTP 客户端：{ $detail }

## 启动信息

cli-banner-listening = 监听地址：
cli-banner-listening-value = { $url }（即 Codex 的 base_url）
cli-banner-provider = 服务商：
cli-banner-provider-value = { $id }（默认）→ { $url }  模型 { $model }
cli-banner-key = 密钥：
cli-banner-key-missing = 未设置 — 请设置 { $var }
cli-banner-also = 其他服务商：
cli-banner-tls = TLS：
cli-banner-thinking = 思考模式：
cli-banner-on = 开启
cli-banner-off = 关闭
cli-banner-log-file = 日志文件：
cli-banner-log-none = 无（{ $why }）
cli-banner-data-dir = 数据目录：

## 出站路线（启动信息、桌面端状态）

route-line = 代理：{ $route }
route-direct-env = 直连（环境变量中没有 HTTPS_PROXY / HTTP_PROXY）
route-disabled = 不使用（MIMO2CODEX_NO_PROXY_FROM_ENV=1）
route-direct = 直连（出站方式设为 direct，忽略代理环境变量和系统代理设置）
route-preset = { $app } 预设 { $proxy }
route-custom = 自定义 { $proxy }
route-system = 系统代理（{ $source }）→ { $proxy }
route-system-unreadable = 系统代理（此处无法读取系统代理设置）→ { $fallback }
route-system-none = 系统代理（{ $source } 中未设置代理）→ { $fallback }
route-system-unusable = 系统代理（{ $source }）指定的代理不可用；改用 { $fallback }
route-system-pac = 系统代理 — 不解析 PAC 脚本 { $pac }；改用 { $fallback }
route-fallback-direct = 直连
route-hint-unusable = { $error }；请改用预设或 --proxy <URL>
route-hint-pac = { $source } 使用 PAC 脚本，而 mimo2codex 不解析 PAC：请选择代理软件对应的预设（--proxy clash、surge、v2rayn…）或 --proxy <URL>
route-error-unknown = 未知的出站方式 '{ $value }'：请使用 direct、env、system、预设（clash、clash-verge、surge、surge-socks、v2rayn、v2rayn-socks、v2box）或代理 URL，如 http://127.0.0.1:7890 或 socks5://user:password@127.0.0.1:1080
route-error-bad-url = 代理 URL { $url } 不可用：{ $why }。正确的写法如 http://127.0.0.1:7890、https://proxy.corp:8443、socks5://user:password@127.0.0.1:1080 或 socks5h://127.0.0.1:1080
route-why-no-host = 缺少主机
route-why-no-port = 缺少端口（SOCKS 代理必须写端口，如 :1080）
route-why-password-only = 有密码但没有用户名；请写成 user:password@host
route-why-path = 代理 URL 不能带路径或查询参数；请写成 scheme://host:port
route-why-scheme = 不支持 '{ $scheme }' 协议；请使用 http://、https://、socks5:// 或 socks5h://
tls-extra-ca = 系统信任库 + { $path }（{ $count } 个证书，来自 { $from }）
tls-ca-unreadable = 无法读取 CA 文件 { $path }（来自 { $from }）：{ $detail }。请修正路径，或去掉 { $from }
tls-ca-no-certs = CA 文件 { $path }（来自 { $from }）中没有 PEM 证书（-----BEGIN CERTIFICATE-----）{ $detail }。请把 CA 导出为 PEM 格式（Base-64 编码的 X.509）

## init、codex enable/disable、launcher 各行的标签

cli-label-created = 已创建
cli-label-updated = 已更新
cli-label-unchanged = 未改变
cli-label-kept = 已保留
cli-label-replaced = 已替换
cli-label-restored = 已恢复
cli-label-removed = 已删除
cli-label-backup = 备份
cli-label-catalog = 模型目录
cli-label-codex = Codex →
cli-label-warning = 警告
cli-label-data-dir = 数据目录

## init 和 print-config

cli-init-kept = { $path }（已存在，未覆盖）
cli-init-created = { $path } — 请在其中填入你的 API key
cli-init-next = 下一步：编辑 .env，运行 `mimo2codex`，再把 `mimo2codex print-config` 的输出加到 ~/.codex/config.toml
# config.toml 片段中的注释行（代码会加上 "# "）。
cli-snippet-header = 加到 ~/.codex/config.toml（或 $CODEX_HOME/config.toml）中 — 让 Codex 使用 mimo2codex
cli-snippet-token = 任意值即可：真正的服务商 key 由 mimo2codex 保管。从程序坞 / 开始菜单启动的 Codex Desktop 也能用。

## codex enable / disable

cli-codex-already = { $path }（已指向 { $url }）
cli-codex-catalog-written = { $path }（{ $count } 个模型，已写入）
cli-codex-catalog-unchanged = { $path }（{ $count } 个模型，未改变）
cli-codex-target = { $url }  模型 { $model }
cli-codex-undo = 撤销：mimo2codex codex disable
cli-codex-restored = { $path }（从 { $backup } 恢复）
cli-codex-removed = { $path }（该文件原本由 mimo2codex 创建）
cli-codex-edited = { $path }：已移除 mimo2codex 的配置项，并恢复你之前的 model_provider/model/model_catalog_json
cli-codex-not-enabled = { $path }（Codex 没有指向 mimo2codex）

## codex status（src/codex_config/status.rs）

codex-status-config = 配置文件：
codex-status-config-missing = { $path }（不存在）
codex-status-enabled = 已启用：
codex-status-enabled-value = { $answer }（model_provider = { $provider }）
codex-status-yes = 是
codex-status-no = 否
codex-status-provider-unset = 未设置，即 Codex 默认的 openai
codex-status-model = 模型：
codex-status-base-url = base_url：
codex-status-url-matches = { $url }（与本引擎的 --host/--port 一致）
codex-status-url-other = { $url }（本引擎的地址应为 { $expected }）
codex-status-auth = 认证：
codex-status-token = 已设置 experimental_bearer_token（无需环境变量，Codex Desktop 也能用）
codex-status-no-token = 没有 bearer token
codex-status-engine = 引擎：
codex-status-engine-answers = base_url 上有响应（mimo2codex { $version }）
codex-status-engine-down = 无响应：{ $why }
codex-status-engine-skipped = 未检查：{ $why }
codex-status-catalog = 模型目录：
codex-status-catalog-none = 未配置
codex-status-catalog-missing = { $path } 不存在
codex-status-catalog-invalid = { $path } 无效：{ $error }
codex-status-catalog-present = { $path }（{ $count } 个模型）
codex-status-catalog-no-model = { $path }（{ $count } 个模型，不含当前配置的模型）
codex-status-backups = 备份：
codex-status-backups-value = { $dir } 中有 { $count } 个
codex-status-warning = 警告：
codex-probe-not-pointing = Codex 没有指向 mimo2codex
codex-probe-no-base-url = 没有配置 base_url
codex-probe-not-http = { $url } 不是普通的 http:// 地址
codex-probe-unresolvable = 无法解析 { $authority }
codex-probe-unresolvable-why = 无法解析 { $authority }：{ $detail }
codex-probe-nothing = { $authority } 上没有响应（{ $detail }）；请在该地址启动 mimo2codex
codex-probe-closed = { $authority } 关闭了连接（{ $detail }）
codex-probe-not-us = { $authority } 有响应，但不是 mimo2codex（GET /healthz：{ $status }）
codex-probe-no-response = 无响应

## codex enable / disable / status 的警告和错误（src/codex_config）

codex-warn-no-table = model_provider = "{ $id }"，但没有 [model_providers.{ $id }] 表：Codex 将无法启动。请运行 `mimo2codex codex enable`
codex-warn-no-token = [model_providers.mimo2codex] 中没有 experimental_bearer_token：从程序坞 / 开始菜单启动的 Codex Desktop 可能不会发送 token。请运行 `mimo2codex codex enable`
codex-warn-env-key = [model_providers.mimo2codex] 中设置了 env_key：Codex 因此要求存在该环境变量（从程序坞 / 开始菜单启动的 Codex Desktop 没有它）。运行 `mimo2codex codex enable` 可改用 bearer token
codex-warn-catalog-no-model = 模型目录中没有模型 '{ $model }'：Codex 不会为它提供 apply_patch。请运行 `mimo2codex codex enable`
codex-warn-catalog-missing = model_catalog_json 指向的 { $path } 不存在：Codex 将无法启动。请运行 `mimo2codex codex enable`
codex-warn-catalog-invalid = 模型目录 { $path } 无效（{ $error }）：Codex 将无法启动。请运行 `mimo2codex codex enable`
codex-warn-replaced-catalog = 已替换 model_catalog_json = { $old }（disable 时会恢复）
codex-warn-profile = 当前启用的 profile `{ $name }`（顶层 `profile = "{ $name }"`）设置了 { $keys }，会覆盖 mimo2codex 写入的顶层设置；请从 [profiles.{ $name }] 中删除它们，或换一个 profile 运行 Codex
codex-action-read = 读取
codex-action-write = 写入
codex-action-create-dir = 创建目录
codex-action-remove = 删除
codex-err-toml = { $path } 不是有效的 TOML（第 { $line } 行，第 { $column } 列：{ $message }）。请先修正该行；mimo2codex 没有改动这个文件
codex-err-utf8 = { $path } 不是 UTF-8 文本；mimo2codex 没有改动它
codex-err-read-only = 无法{ $action } { $path }：权限不足（文件或其所在目录是只读的）。请改为可写（如 `chmod u+w`）后重新运行命令；没有做任何改动
codex-err-io = 无法{ $action } { $path }：{ $detail }
codex-err-unsupported = { $path }：{ $detail }。请手动编辑（见 doc/codex.md）；没有做任何改动
codex-err-bad-state = { $path } 不是有效的 mimo2codex 集成记录（{ $message }）；请把它移走后重新运行命令
codex-err-unknown-model = 已配置的服务商都不提供模型 '{ $model }'（可用的有：{ $known }）。请用 --model 选择其中之一，或用 --provider <id> 换一个服务商

## launcher

cli-launcher-bad-proxy = --proxy-for-codex：{ $error }
cli-launcher-quote = { $what } 不能写进 .cmd 脚本（其中含有双引号）
cli-launcher-kept = { $path }（你改过它；--force 会替换它，并把你的版本保存为 .bak）
cli-launcher-replaced = { $path }（你的版本：{ $backup }）
cli-launcher-proxy = Codex 自身的流量走 { $proxy }；NO_PROXY 始终包含 localhost,127.0.0.1,::1
cli-launcher-no-proxy = Codex 原有的代理环境变量保持不变；NO_PROXY 始终包含 localhost,127.0.0.1,::1
cli-launcher-run = 用它启动 Codex：{ $script } [codex 参数]  （Windows：codex-with-proxy.cmd 或 .ps1）
