# 简体中文：诊断（doctor）的各项检查与解决办法（src/doctor、src/network），以及
# `mimo2codex doctor` 打印的其他文字（src/cli/doctor.rs）。
# 这里的每个 id 都必须在 en/doctor.ftl 中存在，且变量相同（src/i18n/tests.rs 会检查）。
# 命令、参数、环境变量名、路径和产品名（Clash、Surge、V2RayN…）保持原样，不翻译。

## 分隔符

doctor-sep = ；
doctor-list-sep = 、

## 检查项标题

doctor-title-proxy-env = 代理环境变量
doctor-title-no-proxy = NO_PROXY 是否包含本机回环地址（Codex → mimo2codex）
doctor-title-engine-port = mimo2codex 端口 { $host }:{ $port }
doctor-title-codex-config = Codex config.toml 是否指向本机 mimo2codex
doctor-title-tls-ca = 受信任的证书
doctor-title-route = 出站方式
doctor-title-proxy-detect = 本机的代理软件
doctor-title-proxy-listening = 代理端口能否连接
doctor-title-provider-url = { $provider }：base URL
doctor-title-provider-dns = { $provider }：DNS 解析 { $host }
doctor-title-provider-tcp = { $provider }：TCP 连接 { $host }:{ $port }
doctor-title-provider-tunnel = { $provider }：经 { $proxy } 建立到 { $host }:{ $port } 的隧道
doctor-title-provider-connect = { $provider }：连接
doctor-title-provider-tls = { $provider }：TLS 与 API Key
doctor-title-provider-plain = { $provider }：API Key（明文 http）

## 代理环境变量（env.proxy_vars）

doctor-proxy-env-none = 未设置（HTTPS_PROXY、HTTP_PROXY、ALL_PROXY，大小写均算）
doctor-proxy-env-set = 已设置：{ $vars }；{ $usage }
doctor-proxy-env-ignored = mimo2codex 不使用这些变量：已设置 MIMO2CODEX_NO_PROXY_FROM_ENV=1
doctor-proxy-env-used = 以 { $var } 为准，mimo2codex 正在使用它（出站方式 env）
doctor-proxy-env-system = 以 { $var } 为准；只有系统没有设置代理时 mimo2codex 才会用它（出站方式 system）
doctor-proxy-env-unused = 本应以 { $var } 为准，但 mimo2codex 不使用这些变量：当前出站方式是 { $route }
doctor-proxy-env-differ-fix = 这几个变量指向不同的代理；访问 https 上游时用的是 { $var }。请把它们设成同一个地址，或者 unset 掉不需要的变量

## NO_PROXY 与本机回环地址（env.no_proxy）

doctor-no-proxy-no-vars = 没有设置代理变量：Codex 会直接连接 127.0.0.1 上的 mimo2codex
doctor-no-proxy-covered = NO_PROXY={ $value } 已包含 localhost 和 127.0.0.1
doctor-no-proxy-http = 已设置 { $var }={ $proxy }，但 NO_PROXY 未包含 127.0.0.1：从这个终端启动的 Codex 会把发往 http://127.0.0.1:{ $port } 的请求也交给该代理，代理会返回 502 Bad Gateway 或 ECONNREFUSED（Codex 显示 Reconnecting... 1/5）
doctor-no-proxy-https = 已设置 HTTPS_PROXY，但 NO_PROXY 未包含 127.0.0.1：Codex 用明文 http 连接 mimo2codex，不受影响；但会对所有 URL 套用 HTTPS_PROXY 的客户端会受影响
doctor-no-proxy-fix = 在启动 Codex 的终端里把本机回环地址加进 NO_PROXY：`export NO_PROXY={ $value } no_proxy="$NO_PROXY"`（PowerShell：`$env:NO_PROXY="{ $value }"`），或者用启动脚本来运行 Codex（`mimo2codex launcher`）

## mimo2codex 的端口（engine.port）

doctor-port-invalid-host = --host '{ $host }' 无效
doctor-port-invalid-host-fix = 请使用 IP 地址，例如 127.0.0.1
doctor-port-free = 端口空闲：mimo2codex 没有在这里运行，在它启动之前，Codex 连接 { $host }:{ $port } 都会得到 ECONNREFUSED
doctor-port-free-fix = 先启动 mimo2codex（`mimo2codex --port { $port }` 或 ./scripts/run.sh），再启动 Codex
doctor-port-ours = 这里运行的是 mimo2codex { $version }，GET /healthz 正常响应
doctor-port-ours-by = 这里运行的是 mimo2codex { $version }（{ $holder }），GET /healthz 正常响应
doctor-port-busy = { $host } 上的端口 { $port } 已被 { $holder } 占用，它不是 mimo2codex（{ $why }）：mimo2codex 无法在这个端口启动
doctor-port-busy-unknown = { $host } 上的端口 { $port } 已被另一个进程占用（当前用户看不到是哪个进程），它不是 mimo2codex（{ $why }）：mimo2codex 无法在这个端口启动
doctor-port-busy-fix = 请停掉那个进程，或者换一个端口：`mimo2codex --port <N>`，并运行 `mimo2codex codex enable --port <N>`（Codex 的 base_url 必须使用同一个端口）
doctor-port-cannot-listen = 无法监听 { $host }:{ $port }：{ $error }
doctor-port-cannot-listen-fix = 请使用 --host 127.0.0.1（本机的地址）

## Codex 的配置（codex.config）

doctor-not-checked = 未检查
doctor-codex-unreadable = Codex 配置有问题：{ $error }
doctor-codex-unreadable-fix = 请修正 config.toml 中指出的位置，或运行 `mimo2codex codex disable` 恢复备份
doctor-codex-provider-unset = 未设置
doctor-codex-not-enabled = { $path }：Codex 没有使用 mimo2codex（model_provider = { $provider }）
doctor-codex-not-enabled-fix = 运行 `mimo2codex codex enable --port { $port }` 让 Codex 指向这里（会保留备份）
doctor-codex-elsewhere = { $path }：Codex 把请求发往 { $base }，但本机 mimo2codex 的地址是 { $expected }：Codex 在那里会得到 ECONNREFUSED（或者连到别的程序）
doctor-codex-elsewhere-fix = 运行 `mimo2codex codex enable --port { $port }` 改写 base_url，或者在 { $base } 所用的端口上启动 mimo2codex
doctor-codex-warnings = { $path }：{ $warnings }
doctor-codex-warnings-fix = 运行 `mimo2codex codex enable`
doctor-codex-ok = { $path }：base_url = { $base }

## 受信任的证书（tls.ca）

doctor-ca-fix = 请让 --ca-file（或上面提到的变量）指向含有 -----BEGIN CERTIFICATE----- 块的 PEM 文件；CA 证书可导出为 PEM 格式（Base-64 编码的 X.509）
doctor-ca-os = 系统证书库（未指定额外的 CA 文件）

## 出站方式（route）

doctor-route-client-error = 无法创建出站客户端：{ $error }

## 代理软件（proxy.detect）与代理端口（proxy.listening）

doctor-detect-port = 端口
doctor-detect-answers = { $name } 127.0.0.1:{ $port } 以 { $kind } 协议响应
doctor-detect-answers-by = { $name } 127.0.0.1:{ $port } 以 { $kind } 协议响应（进程 { $process }）
doctor-detect-running = 正在运行：{ $apps }
doctor-detect-none = 没有预设端口响应（{ $ports }）
doctor-detect-fix = 要通过它出站：{ $summary }
doctor-detect-summary = { $label } 在 127.0.0.1:{ $port } 上有响应：--proxy { $preset }
doctor-detect-summary-running = { $label } 在 127.0.0.1:{ $port } 上有响应（{ $app } 正在运行）：--proxy { $preset }
doctor-listening-no-proxy = 当前出站方式不使用代理
doctor-proxy-bad-url = { $proxy } 不是可用的代理地址
doctor-listening-ok = { $proxy } 可以连接
doctor-listening-detected-fix = 本机检测到：{ $summary }。{ $fix }

## 服务商这一跳（provider.<id>.*）

doctor-provider-bad-url = { $url } 不是有效的 URL
doctor-provider-bad-url-fix = 请设置 http(s) 开头的 base URL，例如 https://api.example.com/v1
doctor-skip-no-dns = 已跳过：域名无法解析
doctor-skip-no-connection = 已跳过：连接没有建立
doctor-skip-no-client = 已跳过：无法创建出站客户端（见“出站方式”一项）
doctor-dns-by-proxy = 由代理 { $proxy } 解析域名（本机不做 DNS 查询）
doctor-dns-ok = { $host } → { $addrs }
doctor-dns-ipv6-only = { $host } → { $addrs }（只有 IPv6 地址）
doctor-dns-ipv6-only-fix = 这个域名只有 IPv6 地址：本机没有 IPv6 路由时连接会失败；请使用代理（--proxy <预设或 URL>），或换一个支持 IPv6 的网络
doctor-connect-direct = 已直接连接 { $peer }
doctor-connect-https-proxy = { $proxy } 可以连接（https:// 代理的隧道会在下面的 TLS 检查中验证）
doctor-connect-tunnel = { $proxy } 已建立到 { $target } 的隧道
doctor-tls-verified = TLS 证书验证通过
doctor-tls-verified-by = TLS 证书验证通过，签发者 { $issuer }
doctor-tls-plain = 明文 http，没有 TLS
doctor-key-accepted = { $tls }；GET /models → HTTP { $status }：{ $env } 中的 key 有效
doctor-key-not-needed = { $tls }；GET /models → HTTP { $status }：不需要 key
doctor-key-missing = { $tls }；服务商 { $provider } 没有配置 API Key（GET /models → HTTP { $status }）
doctor-key-missing-fix = 请在环境变量或 ~/.mimo2codex/.env 中设置 { $env }，然后重启 mimo2codex
doctor-tls-http-failure = { $tls }；GET /models：{ $problem }

## 代理对隧道请求的应答（src/network/probe.rs）

doctor-probe-407 = 407 代理要求身份验证（Proxy Authentication Required）
doctor-probe-connect-status = 代理对 CONNECT 的应答是 { $line }
doctor-probe-not-http = 不是 HTTP 应答：{ $head }
doctor-probe-closed = （连接被关闭，没有任何应答）
doctor-probe-socks-auth-rejected = SOCKS5 代理拒绝了用户名/密码
doctor-probe-socks-wants-auth = SOCKS5 代理要求用户名/密码（socks5://user:password@host:port）
doctor-probe-socks-method = SOCKS5 代理选择了未知的认证方式 { $method }
doctor-probe-socks-no-greeting = SOCKS5 握手没有应答
doctor-probe-socks-reply = SOCKS5 代理应答：{ $reason }
doctor-probe-socks-closed = SOCKS5 代理关闭了连接
doctor-socks-reply = { $code ->
        [1] SOCKS 服务器一般性故障
        [2] 代理规则不允许该连接
        [3] 网络不可达
        [4] 主机不可达
        [5] 连接被拒绝
        [6] TTL 已过期
        [7] 不支持该命令
        [8] 不支持该地址类型
       *[other] 未知错误
    }

## 桌面端对单个服务商的测试

doctor-unknown-provider = 未知的服务商 '{ $id }'；已配置的服务商：{ $known }

## `mimo2codex doctor`（src/cli/doctor.rs）

doctor-cli-header = mimo2codex doctor：Codex → mimo2codex（{ $host }:{ $port }）→ 代理 → 模型服务商
doctor-cli-check = { $symbol } { $title }：{ $detail }
doctor-cli-fix = 解决办法：{ $fix }
doctor-cli-summary = 通过 { $pass } 项，警告 { $warn } 项，失败 { $fail } 项，跳过 { $skip } 项
doctor-cli-bad-timeout = --connect-timeout 必须是正数（单位：秒）
doctor-cli-encode-error = 无法编码诊断报告：{ $error }
