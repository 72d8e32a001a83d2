# English: the desktop windows (ui/src, ui/index.html). Every id starts with `ui-`.
# Every id here must exist in zh-CN/ui.ftl with the same variables (src/i18n/tests.rs checks).
# Text that comes from Rust (doctor checks, errors, route descriptions, preset labels) is not here.

## Header and tabs

ui-status-starting = Starting…
ui-status-running = Running on { $addr } — Codex base_url { $url }
ui-status-stopped = Stopped
ui-status-error = Error: { $message }
ui-restart = Restart proxy
ui-restart-title = Stop the proxy and start it again with the saved settings
ui-tab-settings = Settings
ui-tab-log = Log
ui-tab-diagnose = Diagnose network
ui-start-failed = The window could not start: { $error }

## Settings: proxy (listen port)

ui-section-proxy = Proxy
ui-port-label = Listen port
ui-port-apply = Apply and restart
ui-port-invalid = The port must be a number from 1 to 65535.
ui-port-invalid-fix = 8788 is the default.
# $source: the command-line flag or variable that sets the port, e.g. MIMO2CODEX_PORT.
ui-port-locked = Set by { $source }; change it there.
# $error: why the engine could not listen (from the engine, in the language in effect).
ui-port-busy = { $error }. Pick another port and click "{ ui-port-apply }" (Codex's base_url follows it: point Codex here again below).
ui-port-note = Codex's base_url follows this port ({ $source }).
ui-port-note-default = Codex's base_url follows this port (default).

## Settings: outbound route

ui-section-route = Outbound route
ui-route-note = How requests to the providers leave this machine.
ui-route-custom = Custom proxy URL
ui-route-custom-label = Proxy URL
ui-route-custom-placeholder = http://127.0.0.1:7890 or socks5://user:password@127.0.0.1:1080
ui-route-custom-apply = Use this proxy
ui-route-custom-missing = Type a proxy URL first.
ui-route-custom-missing-fix = e.g. http://127.0.0.1:7890
ui-detected = detected
ui-no-proxy-label = Never proxy (NO_PROXY)
ui-no-proxy-placeholder = corp.example, 10.0.0.0/8
ui-no-proxy-apply = Save and restart

## Settings: model behaviour

ui-section-model = Model behaviour
ui-thinking = Thinking (reasoning) — off sends every request with thinking disabled where the provider allows it

## Settings: providers and keys

ui-section-providers = Providers
ui-providers-note = Keys are saved to the .env file in the data directory; they never appear in the log.
ui-providers-none = No provider is configured: add a key below or in the .env file.
ui-provider-make-default = Make this the default provider
ui-provider-needs-key = Add its key first
ui-default-badge = default
ui-no-models = (no model list)
# $var: the variable that holds the key, e.g. DS_API_KEY.
ui-key-placeholder-unset = { $var } (not set)
ui-key-save = Save key
ui-key-empty = Paste the { $provider } key first.
ui-key-empty-fix = It is stored as { $var } in the data directory's .env.
ui-key-saved = { $provider } key saved; the proxy restarted with it.
# $key: the key, masked (sk-…abcd).
ui-key-set = Key { $key }
ui-key-from-env = Key { $key } (from environment)
# $source: the .env file's path.
ui-key-from-file = Key { $key } (from { $source })
ui-key-none = No key: set { $var } to use { $provider }
ui-key-shadowed = { $var } is set in the environment, so a key saved here is not used.
ui-key-test = Test
ui-key-testing = Testing…
# One check of a provider test: $title and $detail come from the engine.
ui-test-line = { $status ->
        [ok] OK
        [warn] WARN
        [fail] FAIL
        [skip] SKIP
       *[other] INFO
    } { $title }: { $detail }
ui-fix = Fix: { $fix }

## Settings: Codex

ui-section-codex = Codex
ui-codex-reading = Reading ~/.codex/config.toml…
ui-codex-model = Model
ui-codex-model-default = Default provider's default model
ui-codex-enable = Point Codex here
ui-codex-disable = Undo

## Settings: app (language, start at login, paths)

ui-section-app = App
# Bilingual on purpose: whoever cannot read the current language still finds it.
ui-language-label = Language / 语言
ui-language-system = Follow the system
# Language names are written in their own language, in both catalogues.
ui-language-en = English
ui-language-zh-cn = 简体中文
ui-language-note = The tray menu and this window switch at once.
ui-language-locked = Set by MIMO2CODEX_LANG; unset it to choose here.
ui-autostart = Start at login (in the tray)
ui-paths = Data: { $data } · Log: { $log }

## Log

ui-log-level-title = Show lines of this level and above
ui-log-level-all = All levels
ui-log-level-error = Errors
ui-log-level-warn = Warnings and errors
ui-log-level-info = Info and above
ui-log-level-debug = Debug and above
ui-log-search = Search (case-insensitive)
ui-log-follow = Follow
ui-log-follow-title = Keep the newest line in view
ui-log-copy = Copy
ui-log-copy-title = Copy the lines shown
ui-log-clear = Clear view
ui-log-clear-title = Empty this view (the file is kept)
# $reason: why the file changed (from the app), e.g. "the log file was rotated or truncated".
ui-log-reset = { $reason }; showing the new file
ui-log-missing = file does not exist yet — it appears with the first log line
ui-log-truncated = showing the last { $count } lines (older lines are in the file)
ui-log-cannot-show = Cannot show the log: { $error }
ui-log-empty = No log lines yet.
ui-log-no-match = No lines match the filter.
ui-log-new-lines = { $count ->
        [one] 1 new line
       *[other] { $count } new lines
    }
ui-log-nothing-to-copy = Nothing to copy: no lines are shown.
ui-log-copied = Copied { $count ->
        [one] 1 line
       *[other] { $count } lines
    }.
ui-log-copy-failed = Cannot copy to the clipboard: { $error }
ui-copy-refused = the browser refused to copy

## Diagnose network

ui-doctor-title = Diagnose network
ui-doctor-intro = Checks both hops: Codex → mimo2codex on this machine, and mimo2codex → proxy → each provider.
ui-doctor-run = Run checks
ui-doctor-running = Running…
ui-doctor-copy = Copy report
# A check's status, for screen readers and the symbol's tooltip.
ui-check-status = { $status ->
        [ok] passed
        [warn] warning
        [fail] failed
        [skip] skipped
       *[other] info
    }
ui-doctor-progress-start = Running checks…
ui-doctor-progress-running = { $count ->
        [one] 1 check
       *[other] { $count } checks
    } done…
ui-doctor-progress-done = { $count ->
        [one] 1 check
       *[other] { $count } checks
    } done
ui-doctor-could-not-run = The checks could not run: { $error }
ui-doctor-failed = Diagnosis failed
ui-doctor-passed = All checks passed
ui-doctor-passed-warnings = All checks passed ({ $warn ->
        [one] 1 warning
       *[other] { $warn } warnings
    })
ui-doctor-problems = { $fail ->
        [one] 1 problem
       *[other] { $fail } problems
    } found
ui-doctor-problems-warnings = { $fail ->
        [one] 1 problem
       *[other] { $fail } problems
    } found, { $warn ->
        [one] 1 warning
       *[other] { $warn } warnings
    }

## Diagnose network: the report copied for an issue

ui-report-title = mimo2codex diagnosis
ui-report-title-at = mimo2codex diagnosis ({ $time })
ui-report-fix = fix: { $fix }
ui-report-totals = { $summary }: { $ok } passed, { $warn } warning(s), { $fail } failed, { $skip } skipped
ui-report-incomplete = (incomplete: { $count ->
        [one] 1 check
       *[other] { $count } checks
    } so far)
ui-report-copied = Report copied
ui-report-copy-failed = Cannot copy the report
ui-report-copy-failed-fix = Select the checks and copy them with Ctrl+C / ⌘C
