# English: the doctor's checks and fixes (src/doctor, src/network), and what `mimo2codex doctor`
# prints around them (src/cli/doctor.rs).
# Every id here must exist in zh-CN/doctor.ftl with the same variables (src/i18n/tests.rs checks).
# Check ids, statuses and codes (ECONNREFUSED, HTTP_401…) are not text: they never come from here.
# Commands, flags, variable names, paths and product names (Clash, Surge, V2RayN…) stay as they are.

## Separators

doctor-sep = {"; "}
doctor-list-sep = {", "}

## Check titles

doctor-title-proxy-env = Proxy environment variables
doctor-title-no-proxy = NO_PROXY covers loopback (Codex → mimo2codex)
doctor-title-engine-port = Port { $port } on { $host } (mimo2codex)
doctor-title-codex-config = Codex config.toml → this engine
doctor-title-tls-ca = Trusted certificates
doctor-title-route = Outbound route
doctor-title-proxy-detect = Proxy apps on this machine
doctor-title-proxy-listening = Proxy accepts connections
doctor-title-provider-url = { $provider }: base URL
doctor-title-provider-dns = { $provider }: DNS { $host }
doctor-title-provider-tcp = { $provider }: TCP connect { $host }:{ $port }
doctor-title-provider-tunnel = { $provider }: tunnel to { $host }:{ $port } via { $proxy }
doctor-title-provider-connect = { $provider }: connect
doctor-title-provider-tls = { $provider }: TLS + API key
doctor-title-provider-plain = { $provider }: API key (plain http)

## Proxy environment variables (env.proxy_vars)

doctor-proxy-env-none = none set (HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, either case)
# $vars: `HTTPS_PROXY=http://127.0.0.1:7890, …`; $usage: one of the four messages below.
doctor-proxy-env-set = set: { $vars }; { $usage }
doctor-proxy-env-ignored = mimo2codex ignores them: MIMO2CODEX_NO_PROXY_FROM_ENV=1
doctor-proxy-env-used = { $var } wins and is what mimo2codex uses (route env)
doctor-proxy-env-system = { $var } wins; mimo2codex uses it only when the OS names no proxy (route system)
doctor-proxy-env-unused = { $var } would win, but mimo2codex does not use them: route { $route } is in effect
doctor-proxy-env-differ-fix = These variables name different proxies; { $var } is used for https upstreams. Set them to the same URL, or unset the ones you do not mean

## NO_PROXY and loopback (env.no_proxy)

doctor-no-proxy-no-vars = no proxy variables: Codex connects to mimo2codex on 127.0.0.1 directly
doctor-no-proxy-covered = NO_PROXY={ $value } covers localhost and 127.0.0.1
doctor-no-proxy-http = { $var }={ $proxy } is set and NO_PROXY does not cover 127.0.0.1: Codex started from this shell sends its requests for http://127.0.0.1:{ $port } to that proxy, which answers 502 Bad Gateway or ECONNREFUSED (Codex shows Reconnecting... 1/5)
doctor-no-proxy-https = HTTPS_PROXY is set and NO_PROXY does not cover 127.0.0.1: Codex's plain-http connection to mimo2codex is not affected, but clients that apply HTTPS_PROXY to every URL are
doctor-no-proxy-fix = Add loopback to NO_PROXY where you start Codex: `export NO_PROXY={ $value } no_proxy="$NO_PROXY"` (PowerShell: `$env:NO_PROXY="{ $value }"`), or start Codex with the launcher script (`mimo2codex launcher`)

## The engine's port (engine.port)

doctor-port-invalid-host = invalid --host '{ $host }'
doctor-port-invalid-host-fix = use an IP address such as 127.0.0.1
doctor-port-free = free: mimo2codex is not running there, so Codex gets ECONNREFUSED from { $host }:{ $port } until it does
doctor-port-free-fix = start mimo2codex (`mimo2codex --port { $port }`, or ./scripts/run.sh), then Codex
doctor-port-ours = mimo2codex { $version } is running there and answers GET /healthz
# $holder: `pid 1234 (mimo2codex)`.
doctor-port-ours-by = mimo2codex { $version } is running there ({ $holder }) and answers GET /healthz
# $why: why it is not mimo2codex (what GET /healthz got), in English.
doctor-port-busy = port { $port } on { $host } is already in use by { $holder }, which is not mimo2codex ({ $why }): mimo2codex cannot start there
doctor-port-busy-unknown = port { $port } on { $host } is already in use by another process (not visible to this user), which is not mimo2codex ({ $why }): mimo2codex cannot start there
doctor-port-busy-fix = Stop that process, or use another port: `mimo2codex --port <N>` and `mimo2codex codex enable --port <N>` (Codex's base_url must name the same port)
doctor-port-cannot-listen = cannot listen on { $host }:{ $port }: { $error }
doctor-port-cannot-listen-fix = use --host 127.0.0.1 (an address of this machine)

## Codex's config (codex.config)

doctor-not-checked = not checked
doctor-codex-unreadable = { $error }
doctor-codex-unreadable-fix = fix config.toml at the place named, or `mimo2codex codex disable` to restore the backup
doctor-codex-provider-unset = not set
doctor-codex-not-enabled = { $path }: Codex does not use mimo2codex (model_provider = { $provider })
doctor-codex-not-enabled-fix = `mimo2codex codex enable --port { $port }` points it here (a backup is kept)
doctor-codex-elsewhere = { $path }: Codex sends its requests to { $base }, but this engine serves { $expected }: Codex gets ECONNREFUSED there (or reaches another program)
doctor-codex-elsewhere-fix = `mimo2codex codex enable --port { $port }` rewrites base_url, or start mimo2codex on the port in { $base }
doctor-codex-warnings = { $path }: { $warnings }
doctor-codex-warnings-fix = `mimo2codex codex enable`
doctor-codex-ok = { $path }: base_url = { $base }

## Trusted certificates (tls.ca)

doctor-ca-fix = Point --ca-file (or the variable named) at a PEM file with -----BEGIN CERTIFICATE----- blocks
doctor-ca-os = OS trust store (no extra CA file)

## The outbound route (route)

doctor-route-client-error = the outbound client cannot be built: { $error }

## Proxy apps (proxy.detect) and the proxy's port (proxy.listening)

doctor-detect-port = port
doctor-detect-answers = { $name } 127.0.0.1:{ $port } answers { $kind }
doctor-detect-answers-by = { $name } 127.0.0.1:{ $port } answers { $kind }, { $process }
doctor-detect-running = running: { $apps }
doctor-detect-none = no preset port answers ({ $ports })
doctor-detect-fix = to route through it: { $summary }
# $label: the preset's app (`Clash Verge`), $preset: its --proxy name (`clash-verge`).
doctor-detect-summary = { $label } answers on 127.0.0.1:{ $port }: --proxy { $preset }
doctor-detect-summary-running = { $label } answers on 127.0.0.1:{ $port } ({ $app } is running): --proxy { $preset }
doctor-listening-no-proxy = this route uses no proxy
doctor-proxy-bad-url = { $proxy } is not a usable proxy URL
doctor-listening-ok = { $proxy } accepts connections
doctor-listening-detected-fix = Detected here: { $summary }. { $fix }

## A provider's hop (provider.<id>.*)

doctor-provider-bad-url = { $url } is not a URL
doctor-provider-bad-url-fix = set an http(s) base URL such as https://api.example.com/v1
doctor-skip-no-dns = skipped: the name does not resolve
doctor-skip-no-connection = skipped: no connection
doctor-skip-no-client = skipped: the outbound client could not be built (see route)
doctor-dns-by-proxy = resolved by the proxy { $proxy } (names are not looked up here)
# $addrs: `104.18.1.1, 104.18.2.2`.
doctor-dns-ok = { $host } → { $addrs }
doctor-dns-ipv6-only = { $host } → { $addrs } (IPv6 only)
doctor-dns-ipv6-only-fix = This name has only IPv6 addresses: without an IPv6 route here connections fail; use a proxy (--proxy <preset or URL>) or a network with IPv6
doctor-connect-direct = connected directly to { $peer }
doctor-connect-https-proxy = { $proxy } accepts connections (the https:// proxy's tunnel is checked with TLS below)
doctor-connect-tunnel = { $proxy } opened a tunnel to { $target }
doctor-tls-verified = TLS verified
# $issuer: `CN=…, O=…` of the server certificate's issuer.
doctor-tls-verified-by = TLS verified, issued by { $issuer }
doctor-tls-plain = plain http, no TLS
# $tls: one of the three messages above; $env: the variable holding the key.
doctor-key-accepted = { $tls }; GET /models → HTTP { $status }: the key in { $env } is accepted
doctor-key-not-needed = { $tls }; GET /models → HTTP { $status }: no key needed
doctor-key-missing = { $tls }; no API key for provider { $provider } (GET /models → HTTP { $status })
doctor-key-missing-fix = set { $env } in the environment or in ~/.mimo2codex/.env, then restart mimo2codex
# $problem: the engine's explanation of the HTTP error (errors.ftl).
doctor-tls-http-failure = { $tls }; GET /models: { $problem }

## What a proxy said to a tunnel request (src/network/probe.rs)

doctor-probe-407 = 407 proxy authentication required
doctor-probe-connect-status = CONNECT answered { $line }
# $head: the first bytes of the answer, quoted, or doctor-probe-closed.
doctor-probe-not-http = not an HTTP answer: { $head }
doctor-probe-closed = (connection closed without an answer)
doctor-probe-socks-auth-rejected = SOCKS5 proxy rejected the user name / password
doctor-probe-socks-wants-auth = SOCKS5 proxy wants a user name / password (socks5://user:password@host:port)
doctor-probe-socks-method = SOCKS5 proxy chose an unknown method { $method }
doctor-probe-socks-no-greeting = no SOCKS5 answer to the greeting
doctor-probe-socks-reply = SOCKS5 proxy answered: { $reason }
doctor-probe-socks-closed = the SOCKS5 proxy closed the connection
# RFC 1928 reply codes.
doctor-socks-reply = { $code ->
        [1] general SOCKS server failure
        [2] connection not allowed by ruleset
        [3] network unreachable
        [4] host unreachable
        [5] connection refused
        [6] TTL expired
        [7] command not supported
        [8] address type not supported
       *[other] unknown error
    }

## The desktop's per-provider test

doctor-unknown-provider = unknown provider '{ $id }'; configured providers: { $known }

## `mimo2codex doctor` (src/cli/doctor.rs)

doctor-cli-header = mimo2codex doctor: Codex → mimo2codex ({ $host }:{ $port }) → proxy → provider
# One check: `✗ Outbound route: proxy: direct …`.
doctor-cli-check = { $symbol } { $title }: { $detail }
doctor-cli-fix = fix: { $fix }
doctor-cli-summary = { $pass } passed, { $warn } { $warn ->
        [one] warning
       *[other] warnings
    }, { $fail } failed, { $skip } skipped
doctor-cli-bad-timeout = --connect-timeout must be a positive number of seconds
doctor-cli-encode-error = cannot encode the report: { $error }
