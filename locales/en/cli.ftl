# English: the command line (src/cli): the banner, command output, errors with what to do; also the
# route line, the engine's start errors and `codex enable|disable|status` (src/codex_config), which
# the desktop shows too. clap's own --help and usage errors stay English.
# Every id here must exist in zh-CN/cli.ftl with the same variables (src/i18n/tests.rs checks).
# Labels (`cli-label-*`, `cli-banner-*` without -value) are padded to one column by the code.

## Messages and errors

cli-error = error: { $message }
cli-warning = warning: { $message }
cli-error-bad-lang = unknown language '{ $value }' (from --lang or MIMO2CODEX_LANG): use en, zh-CN or system
cli-error-data-dir = cannot create the data directory { $path }: { $detail }. Pass --data-dir <writable dir>.
cli-error-create = cannot create { $path }: { $detail }
cli-error-runtime = cannot start the async runtime: { $detail }
cli-config-json = { $path }: line { $line }, column { $column }: { $message }
cli-config-field = { $path }: providers[{ $index }].{ $field }: { $message }
cli-config-read = cannot read { $path }: { $detail }
cli-config-write = cannot write { $path }: { $detail }
cli-config-unknown-provider = unknown provider '{ $id }' (from { $origin }); configured providers: { $known }

## Starting the engine

engine-port-in-use = port { $port } on { $host } is already in use{ $holder }. Stop that process or start with --port <another port>
engine-port-holder = {" "}by { $holder }
engine-cannot-listen = cannot listen on { $addr }: { $detail }
engine-bad-host = invalid listen host '{ $host }': use an IP address such as 127.0.0.1
engine-client = cannot build the outbound HTTP client: { $detail }

## The startup banner

cli-banner-listening = listening:
cli-banner-listening-value = { $url }  (Codex base_url)
cli-banner-provider = provider:
cli-banner-provider-value = { $id } (default) → { $url }  model { $model }
cli-banner-key = key:
cli-banner-key-missing = missing — set { $var }
cli-banner-also = also:
cli-banner-tls = tls:
cli-banner-thinking = thinking:
cli-banner-on = on
cli-banner-off = off
cli-banner-log-file = log file:
cli-banner-log-none = none ({ $why })
cli-banner-data-dir = data dir:

## The outbound route (banner, desktop status)

route-line = proxy: { $route }
route-direct-env = direct (no HTTPS_PROXY / HTTP_PROXY in env)
route-disabled = disabled (MIMO2CODEX_NO_PROXY_FROM_ENV=1)
route-direct = direct (route set to direct; proxy variables and system settings ignored)
route-preset = { $app } preset { $proxy }
route-custom = custom { $proxy }
route-system = system ({ $source }) → { $proxy }
route-system-unreadable = system (OS proxy settings not readable here) → { $fallback }
route-system-none = system (no proxy in { $source }) → { $fallback }
route-system-unusable = system ({ $source }) names an unusable proxy; using { $fallback }
route-system-pac = system — PAC script { $pac } is not evaluated; using { $fallback }
route-fallback-direct = direct
route-hint-unusable = { $error }; pick a preset or --proxy <URL>
route-hint-pac = { $source } uses a PAC script, which mimo2codex does not evaluate: pick your proxy app's preset (--proxy clash, surge, v2rayn…) or --proxy <URL>
route-error-unknown = unknown proxy route '{ $value }': use direct, env, system, a preset (clash, clash-verge, surge, surge-socks, v2rayn, v2rayn-socks, v2box) or a proxy URL such as http://127.0.0.1:7890 or socks5://user:password@127.0.0.1:1080
route-error-bad-url = proxy URL { $url } is not usable: { $why }. Expected e.g. http://127.0.0.1:7890, https://proxy.corp:8443, socks5://user:password@127.0.0.1:1080 or socks5h://127.0.0.1:1080
route-why-no-host = no host
route-why-no-port = no port (SOCKS proxies need one, e.g. :1080)
route-why-password-only = a password without a user name; write user:password@host
route-why-path = a proxy URL has no path or query; write scheme://host:port
route-why-scheme = scheme '{ $scheme }' is not supported; use http://, https://, socks5:// or socks5h://
tls-extra-ca = OS trust store + { $path } ({ $count ->
        [one] { $count } certificate
       *[other] { $count } certificates
    }, from { $from })
tls-ca-unreadable = cannot read the CA file { $path } (from { $from }): { $detail }. Fix the path, or drop { $from }
tls-ca-no-certs = the CA file { $path } (from { $from }) holds no PEM certificate (-----BEGIN CERTIFICATE-----){ $detail }. Export the CA as PEM (Base-64 encoded X.509)

## Row labels of init, codex enable/disable, launcher

cli-label-created = created
cli-label-updated = updated
cli-label-unchanged = unchanged
cli-label-kept = kept
cli-label-replaced = replaced
cli-label-restored = restored
cli-label-removed = removed
cli-label-backup = backup
cli-label-catalog = catalog
cli-label-codex = codex  →
cli-label-warning = warning
cli-label-data-dir = data dir

## init and print-config

cli-init-kept = { $path } (already exists, not overwritten)
cli-init-created = { $path } — put your API keys there
cli-init-next = next: edit the .env, run `mimo2codex`, and add the output of `mimo2codex print-config` to ~/.codex/config.toml
# Comment lines of the config.toml snippet (the code adds "# ").
cli-snippet-header = Add to ~/.codex/config.toml (or $CODEX_HOME/config.toml) — points Codex at mimo2codex
cli-snippet-token = Any value: mimo2codex holds the real provider keys. Works for Codex Desktop started from the Dock/Start menu.

## codex enable / disable

cli-codex-already = { $path } (already points at { $url })
cli-codex-catalog-written = { $path } ({ $count } models, written)
cli-codex-catalog-unchanged = { $path } ({ $count } models, unchanged)
cli-codex-target = { $url }  model { $model }
cli-codex-undo = undo with: mimo2codex codex disable
cli-codex-restored = { $path } (from { $backup })
cli-codex-removed = { $path } (mimo2codex had created it)
cli-codex-edited = { $path }: mimo2codex keys removed, your previous model_provider/model/model_catalog_json put back
cli-codex-not-enabled = { $path } (Codex does not point at mimo2codex)

## codex status (src/codex_config/status.rs)

codex-status-config = config:
codex-status-config-missing = { $path } (does not exist)
codex-status-enabled = enabled:
codex-status-enabled-value = { $answer } (model_provider = { $provider })
codex-status-yes = yes
codex-status-no = no
codex-status-provider-unset = (not set: Codex's default, openai)
codex-status-model = model:
codex-status-base-url = base_url:
codex-status-url-matches = { $url } (matches this engine's --host/--port)
codex-status-url-other = { $url } (this engine would serve { $expected })
codex-status-auth = auth:
codex-status-token = experimental_bearer_token set (works without env vars, Codex Desktop too)
codex-status-no-token = no bearer token
codex-status-engine = engine:
codex-status-engine-answers = answers at base_url (mimo2codex { $version })
codex-status-engine-down = not answering: { $why }
codex-status-engine-skipped = not checked: { $why }
codex-status-catalog = catalog:
codex-status-catalog-none = not configured
codex-status-catalog-missing = { $path } is missing
codex-status-catalog-invalid = { $path } is invalid: { $error }
codex-status-catalog-present = { $path } ({ $count } models)
codex-status-catalog-no-model = { $path } ({ $count } models, not the configured model)
codex-status-backups = backups:
codex-status-backups-value = { $count } in { $dir }
codex-status-warning = warning:
codex-probe-not-pointing = Codex does not point at mimo2codex
codex-probe-no-base-url = no base_url configured
codex-probe-not-http = { $url } is not a plain http:// address
codex-probe-unresolvable = cannot resolve { $authority }
codex-probe-unresolvable-why = cannot resolve { $authority }: { $detail }
codex-probe-nothing = nothing answers at { $authority } ({ $detail }); start mimo2codex there
codex-probe-closed = { $authority } closed the connection ({ $detail })
codex-probe-not-us = { $authority } answers, but not as mimo2codex (GET /healthz: { $status })
codex-probe-no-response = no response

## Warnings and errors of codex enable / disable / status (src/codex_config)

codex-warn-no-table = model_provider = "{ $id }" but there is no [model_providers.{ $id }] table: Codex will refuse to start. Run `mimo2codex codex enable`
codex-warn-no-token = no experimental_bearer_token in [model_providers.mimo2codex]: Codex Desktop started from the Dock/Start menu may send no token. Run `mimo2codex codex enable`
codex-warn-env-key = [model_providers.mimo2codex] has env_key: Codex then requires that environment variable (Codex Desktop from the Dock/Start menu does not have it). Run `mimo2codex codex enable` to switch to the bearer token
codex-warn-catalog-no-model = the model catalog has no entry for model '{ $model }': Codex will not offer apply_patch for it. Run `mimo2codex codex enable`
codex-warn-catalog-missing = model_catalog_json points to { $path }, which does not exist: Codex will refuse to start. Run `mimo2codex codex enable`
codex-warn-catalog-invalid = the model catalog { $path } is invalid ({ $error }): Codex will refuse to start. Run `mimo2codex codex enable`
codex-warn-replaced-catalog = replaced model_catalog_json = { $old } (disable puts it back)
codex-warn-profile = the active profile `{ $name }` (top-level `profile = "{ $name }"`) sets { $keys }, which overrides mimo2codex's top-level settings; remove them from [profiles.{ $name }] or run Codex with another profile
codex-action-read = read
codex-action-write = write
codex-action-create-dir = create the directory
codex-action-remove = remove
codex-err-toml = { $path } is not valid TOML (line { $line }, column { $column }: { $message }). Fix that line first; mimo2codex did not change the file
codex-err-utf8 = { $path } is not UTF-8 text; mimo2codex did not change it
codex-err-read-only = cannot { $action } { $path }: permission denied (the file or its directory is read-only). Make it writable (e.g. `chmod u+w`) and run the command again; nothing was changed
codex-err-io = cannot { $action } { $path }: { $detail }
codex-err-unsupported = { $path }: { $detail }. Edit it by hand (see doc/codex.md); nothing was changed
codex-err-bad-state = { $path } is not a valid mimo2codex integration record ({ $message }); move it away and run the command again
codex-err-unknown-model = model '{ $model }' is not served by the configured providers (known: { $known }). Pick one of those with --model, or --provider <id> for another provider

## launcher

cli-launcher-bad-proxy = --proxy-for-codex: { $error }
cli-launcher-quote = { $what } cannot be written into a .cmd script (it contains a double quote)
cli-launcher-kept = { $path } (you edited it; --force replaces it and keeps yours as .bak)
cli-launcher-replaced = { $path } (your version: { $backup })
cli-launcher-proxy = Codex's own traffic goes through { $proxy }; NO_PROXY always covers localhost,127.0.0.1,::1
cli-launcher-no-proxy = Codex's proxy variables are left as they are; NO_PROXY always covers localhost,127.0.0.1,::1
cli-launcher-run = run Codex through it: { $script } [codex arguments]  (Windows: codex-with-proxy.cmd or .ps1)
