# English: the error text Codex shows the user (src/upstream/failure.rs, src/server).
# Codex prints `error.message` as it is: each message names the hop and the code, then says what to
# do. Error codes and HTTP statuses never depend on the language (Codex's retries read them).
# Every id here must exist in zh-CN/errors.ftl with the same variables (src/i18n/tests.rs checks).

## Upstream failures (src/upstream/failure.rs): the problem, then `.fix` (what to do)

err-via-proxy = {" "}via proxy { $proxy }
err-refused-proxy = mimo2codex could not reach the proxy { $proxy } (ECONNREFUSED): nothing is listening there.
    .fix = Start your proxy app (Clash, Surge, V2RayN…) or fix the port, or pick another route (--proxy direct, a preset such as clash, or a URL; unset HTTPS_PROXY/HTTP_PROXY to go direct). `mimo2codex doctor` shows which proxy ports answer on this machine.
err-refused-local = upstream { $provider } at { $host } refused the connection (ECONNREFUSED): nothing is listening there.
    .fix = Start the local server (Ollama, vLLM, LM Studio) or fix the port in the provider's base URL.
err-refused-remote = upstream { $provider } at { $host } refused the connection (ECONNREFUSED).
    .fix = Check the host and port in the provider's base URL; if your network needs a proxy, start mimo2codex with your proxy app's preset (--proxy clash, clash-verge, surge, v2rayn, v2box), --proxy system, or set HTTPS_PROXY (e.g. http://127.0.0.1:7890), and restart mimo2codex.
err-not-found = cannot resolve { $host } for provider { $provider } (ENOTFOUND).
    .fix = Check the base URL spelling and your DNS; behind a firewall route through your proxy: --proxy clash (or surge, v2rayn, system…) or HTTPS_PROXY set to your proxy (e.g. http://127.0.0.1:7890).
err-phase-connecting = connecting
err-phase-proxy = connecting to the proxy
err-phase-data = waiting for data
err-phase-headers = waiting for response headers
err-phase-dns = resolving the name
err-phase-proxy-answer = waiting for the proxy
err-timed-out = { $phase } to { $provider } at { $host }{ $via } timed out (ETIMEDOUT).
    .fix = The network or proxy is too slow or blocks this host: check the proxy is running and allows { $host }, or pick a route that works here (--proxy clash, surge, v2rayn, system…, or set HTTPS_PROXY).
err-conn-reset = the connection to { $provider } at { $host }{ $via } was reset (ECONNRESET).
    .fix = Often a proxy or firewall cutting the connection; retry, or switch proxy node / route (--proxy <preset or URL>).
err-tunnel = the proxy { $proxy } refused to open a tunnel to { $host } ({ $detail }; tunneling socket could not be established).
    .fix = Check the proxy's rules and credentials (user:password in the proxy URL, e.g. --proxy http://user:password@127.0.0.1:7890).
err-tunnel-407 = 407 proxy authentication required
err-tunnel-not-200 = CONNECT not answered with 200
err-tunnel-socks-auth = SOCKS5 proxy rejected the user name / password
err-tunnel-socks = SOCKS5 proxy answered: { $answer }
err-tls = TLS handshake with { $host }{ $via } failed ({ $code }: { $detail }).
-never-disabled = mimo2codex never disables certificate checks.
err-tls-untrusted = The certificate is signed by an authority this machine does not trust (a self-signed server, or a corporate proxy intercepting TLS): install that CA in the OS trust store, or pass its PEM file with --ca-file <ca.pem> (or MIMO2CODEX_EXTRA_CA_CERTS) and restart mimo2codex. { -never-disabled }
err-tls-altname = The certificate is for another host name: check the host in the provider's base URL; if it is right, a proxy or firewall is answering in its place. { -never-disabled }
err-tls-expired = The certificate is expired or not yet valid: check this machine's date and time; if it is right, the server's certificate must be renewed. { -never-disabled }
err-tls-other = A corporate proxy may be intercepting TLS: install its CA certificate in the OS trust store or pass it with --ca-file <ca.pem>. { -never-disabled }
err-http-401 = { $provider } rejected the API key (HTTP 401): { $body }.
    .fix = Set a valid key in { $key_env } (environment or ~/.mimo2codex/.env) and restart mimo2codex.
err-http-403 = { $provider } refused the request (HTTP 403): { $body }.
    .fix = The key in { $key_env } may be invalid or not allowed to use this model (or this region): check it in the provider's console, set a valid key (environment or ~/.mimo2codex/.env) and restart mimo2codex.
# `.retry` must keep the phrase "try again in { $secs }s": Codex reads its retry delay from it.
err-http-429 = { $provider } rate limit reached (HTTP 429): { $body }.
    .retry = Please try again in { $secs }s.
    .later = Please try again later, or lower concurrency.
err-http-404 = { $provider } answered HTTP 404 from { $host }{ $via }: { $body }.
    .fix = Check the provider's base URL (it usually ends in /v1) and the model name.
err-http-5xx = { $provider } answered HTTP { $status } from { $host }{ $via }: { $body }.
    .fix = The provider's server failed, not mimo2codex: try again in a moment, or switch model or provider if it persists.
err-http-other = { $provider } answered HTTP { $status } from { $host }{ $via }: { $body }
err-other = request to { $provider } at { $host }{ $via } failed: { $detail }
err-empty-body = (empty body)

## The engine's own errors (src/server): bad requests, guards, a broken stream

err-foreign-host = Host '{ $host }' refused: mimo2codex only answers requests addressed to { $allowed } (DNS-rebinding protection). To serve other hosts on purpose, start it with --host 0.0.0.0.
err-content-type = Content-Type '{ $content_type }' is not supported: send the request body as application/json.
err-no-route = no route for { $method } { $path }: mimo2codex serves POST /v1/responses, POST /v1/chat/completions, GET /v1/models and GET /healthz
err-method-not-allowed = { $method } is not allowed on { $path }
err-method-websocket = { $method } is not allowed on { $path } (WebSocket transport is not supported: leave supports_websockets unset in Codex's provider)
err-too-large = request body is larger than the { $limit } limit; raise it with --body-limit-mb or start a new Codex session (/new) to shrink the history
err-body-unreadable = could not read the request body: { $detail }
err-body-not-json = request body is not valid JSON: { $detail }
err-body-not-object = request body must be a JSON object
err-cannot-translate = cannot translate this request: { $detail }
err-cannot-encode = cannot encode the upstream request: { $detail }
err-missing-key = no API key for provider { $provider }: set { $key_env } in the environment or in ~/.mimo2codex/.env, then restart mimo2codex
err-wrong-endpoint = provider { $provider } speaks the Responses API; send this request to /v1/responses instead
err-stream-broke = stream from upstream broke: { $detail }
err-stream-bad-utf8 = { $provider } sent a malformed event stream: UTF8 error: { $detail }
err-stream-cut = the upstream stream ended before the response finished (no finish_reason, no [DONE]): the connection was cut
err-upstream-failed = upstream failed
err-no-response = upstream stream produced no response
