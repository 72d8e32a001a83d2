# 简体中文：Codex 向用户显示的错误文本（src/upstream/failure.rs、src/server）。
# Codex 原样打印 `error.message`：每条消息先说明哪一跳、哪个错误码，再说怎么办。
# 错误码和 HTTP 状态码与语言无关（Codex 的重试依赖它们）。命令、参数、环境变量、路径、产品名不翻译。

## 上游失败（src/upstream/failure.rs）：问题，然后 `.fix`（怎么办）

err-via-proxy = ，经代理 { $proxy }
err-refused-proxy = mimo2codex 连不上代理 { $proxy }（ECONNREFUSED）：该地址上没有程序在监听。
    .fix = 请启动代理软件（Clash、Surge、V2RayN…）或修正端口，或换一种出站方式（--proxy direct、clash 等预设，或代理 URL；要直连请清除 HTTPS_PROXY/HTTP_PROXY）。`mimo2codex doctor` 会列出本机哪些代理端口有响应。
err-refused-local = 上游 { $provider }（{ $host }）拒绝连接（ECONNREFUSED）：该地址上没有程序在监听。
    .fix = 请启动本地服务（Ollama、vLLM、LM Studio），或修正服务商 base URL 中的端口。
err-refused-remote = 上游 { $provider }（{ $host }）拒绝连接（ECONNREFUSED）。
    .fix = 请检查服务商 base URL 中的主机和端口；如果你的网络需要代理，请用代理软件对应的预设启动 mimo2codex（--proxy clash、clash-verge、surge、v2rayn、v2box），或使用 --proxy system，或设置 HTTPS_PROXY（如 http://127.0.0.1:7890），然后重启 mimo2codex。
err-not-found = 无法解析服务商 { $provider } 的主机名 { $host }（ENOTFOUND）。
    .fix = 请检查 base URL 的拼写和 DNS 设置；在防火墙后请经代理访问：--proxy clash（或 surge、v2rayn、system…），或把 HTTPS_PROXY 设为你的代理（如 http://127.0.0.1:7890）。
err-phase-connecting = 连接
err-phase-proxy = 连接代理
err-phase-data = 等待数据
err-phase-headers = 等待响应头
err-phase-dns = 解析域名
err-phase-proxy-answer = 等待代理应答
err-timed-out = { $phase }超时（ETIMEDOUT）：{ $provider }（{ $host }{ $via }）。
    .fix = 网络或代理太慢，或屏蔽了该主机：请确认代理正在运行并放行 { $host }，或换一种在本机可用的出站方式（--proxy clash、surge、v2rayn、system…，或设置 HTTPS_PROXY）。
err-conn-reset = 与 { $provider }（{ $host }{ $via }）的连接被重置（ECONNRESET）。
    .fix = 通常是代理或防火墙切断了连接：请重试，或切换代理节点 / 出站方式（--proxy <预设或 URL>）。
err-tunnel = 代理 { $proxy } 拒绝建立到 { $host } 的隧道（{ $detail }；tunneling socket could not be established）。
    .fix = 请检查代理的规则和认证信息（在代理 URL 中写上 user:password，如 --proxy http://user:password@127.0.0.1:7890）。
err-tunnel-407 = 407 代理需要认证
err-tunnel-not-200 = CONNECT 未返回 200
err-tunnel-socks-auth = SOCKS5 代理拒绝了用户名 / 密码
err-tunnel-socks = SOCKS5 代理返回：{ $answer }
err-tls = 与 { $host }{ $via } 的 TLS 握手失败（{ $code }：{ $detail }）。
-never-disabled = mimo2codex 不会关闭证书校验。
err-tls-untrusted = 证书由本机不信任的机构签发（自签名的服务器，或公司代理在拦截 TLS）：请把该 CA 安装到系统信任库，或用 --ca-file <ca.pem>（或 MIMO2CODEX_EXTRA_CA_CERTS）指定它的 PEM 文件，然后重启 mimo2codex。{ -never-disabled }
err-tls-altname = 证书属于另一个主机名：请检查服务商 base URL 中的主机；如果主机没错，说明是代理或防火墙在替它应答。{ -never-disabled }
err-tls-expired = 证书已过期或尚未生效：请检查本机的日期和时间；如果时间正确，则需要服务器更新证书。{ -never-disabled }
err-tls-other = 可能是公司代理在拦截 TLS：请把它的 CA 证书安装到系统信任库，或用 --ca-file <ca.pem> 指定。{ -never-disabled }
err-http-401 = { $provider } 拒绝了 API key（HTTP 401）：{ $body }。
    .fix = 请在 { $key_env } 中设置有效的 key（环境变量或 ~/.mimo2codex/.env），然后重启 mimo2codex。
err-http-403 = { $provider } 拒绝了请求（HTTP 403）：{ $body }。
    .fix = { $key_env } 中的 key 可能无效，或无权使用该模型（或不支持你所在的地区）：请在服务商控制台核对，设置有效的 key（环境变量或 ~/.mimo2codex/.env）后重启 mimo2codex。
# `.retry` 必须保留英文短语 "try again in { $secs }s"：Codex 从中读取重试等待时间。
err-http-429 = { $provider } 触发限流（HTTP 429）：{ $body }。
    .retry = 请 { $secs } 秒后重试（try again in { $secs }s）。
    .later = 请稍后重试，或降低并发。
err-http-404 = { $provider }（{ $host }{ $via }）返回 HTTP 404：{ $body }。
    .fix = 请检查服务商的 base URL（通常以 /v1 结尾）和模型名称。
err-http-5xx = { $provider }（{ $host }{ $via }）返回 HTTP { $status }：{ $body }。
    .fix = 出错的是服务商的服务器，不是 mimo2codex：请稍后重试；如果持续出错，请换个模型或服务商。
err-http-other = { $provider }（{ $host }{ $via }）返回 HTTP { $status }：{ $body }
err-other = 请求 { $provider }（{ $host }{ $via }）失败：{ $detail }
err-empty-body = （响应体为空）

## 引擎自己的错误（src/server）：错误的请求、安全检查、中断的流

err-foreign-host = 已拒绝 Host '{ $host }'：mimo2codex 只响应发往 { $allowed } 的请求（防 DNS 重绑定）。如确需服务其他主机，请用 --host 0.0.0.0 启动。
err-content-type = 不支持 Content-Type '{ $content_type }'：请以 application/json 发送请求体。
err-no-route = 没有 { $method } { $path } 这个接口：mimo2codex 提供 POST /v1/responses、POST /v1/chat/completions、GET /v1/models 和 GET /healthz
err-method-not-allowed = { $path } 不支持 { $method }
err-method-websocket = { $path } 不支持 { $method }（不支持 WebSocket 传输：请不要在 Codex 的 provider 配置中设置 supports_websockets）
err-too-large = 请求体超过了 { $limit } 的上限：可用 --body-limit-mb 调高上限，或新开一个 Codex 会话（/new）以缩短历史记录
err-body-unreadable = 无法读取请求体：{ $detail }
err-body-not-json = 请求体不是有效的 JSON：{ $detail }
err-body-not-object = 请求体必须是 JSON 对象
err-cannot-translate = 无法转换此请求：{ $detail }
err-cannot-encode = 无法编码发往上游的请求：{ $detail }
err-missing-key = 服务商 { $provider } 没有 API key：请在环境变量或 ~/.mimo2codex/.env 中设置 { $key_env }，然后重启 mimo2codex
err-wrong-endpoint = 服务商 { $provider } 使用 Responses API：请把此请求发到 /v1/responses
err-stream-broke = 上游的流中断了：{ $detail }
err-stream-bad-utf8 = { $provider } 发来的事件流格式有误：UTF8 error: { $detail }
err-stream-cut = 上游的流在响应完成前就结束了（没有 finish_reason，也没有 [DONE]）：连接被切断
err-upstream-failed = 上游失败
err-no-response = 上游的流没有产生任何响应
