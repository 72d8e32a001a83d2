//! The headless binary's command line: `mimo2codex` serves; `init`, `print-config` help set up.

mod banner;
pub mod codex;
pub mod doctor;
pub mod launcher;
mod setup;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::OnceLock;

use clap::{Args, Parser, Subcommand};

use crate::config::{env_flag, resolve_data_dir};
use crate::engine::{self, EngineConfig};
use crate::i18n::{Lang, LangError};
use crate::provider::env_file::{merged_env, process_env, read_env_file};
use crate::provider::registry::{ProviderConfigError, ProviderRegistry, ProviderSources};
use crate::settings::effective::{apply_settings_provider, Effective, Origin};
use crate::settings::Settings;
use crate::t;

/// Exit codes: 0 ok, 1 runtime failure (port busy…), 2 bad flags or configuration.
pub const EXIT_RUNTIME: i32 = 1;
pub const EXIT_CONFIG: i32 = 2;

#[derive(Debug, Parser)]
#[command(
    name = "mimo2codex",
    version,
    about = "Local proxy that lets Codex CLI / Codex Desktop use MiMo, DeepSeek, Kimi, GLM, Qwen, MiniMax and any OpenAI-compatible model",
    after_help = "Run without a command to start the proxy. Keys come from the environment or ~/.mimo2codex/.env (see `mimo2codex init`)."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub common: CommonArgs,
}

/// Options every command understands.
#[derive(Debug, Args, Clone)]
pub struct CommonArgs {
    /// Address to listen on. Anything but loopback also disables the Host-header check.
    #[arg(
        long,
        global = true,
        env = "MIMO2CODEX_HOST",
        default_value = "127.0.0.1"
    )]
    pub host: String,
    /// Port to listen on [default: settings.json's port, else 8788].
    // No clap default: an explicit value must be told from none (settings.json fills the gap).
    #[arg(long, global = true, env = "MIMO2CODEX_PORT")]
    pub port: Option<u16>,
    /// Where settings, keys (.env), providers.json and the log live [default: ~/.mimo2codex].
    #[arg(long, global = true, env = "MIMO2CODEX_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Default provider (mimo, deepseek, kimi, glm, qwen, minimax, sensenova, generic, or a providers.json id)
    /// [default: settings.json's, else the first configured].
    #[arg(long, global = true, env = "MIMO2CODEX_DEFAULT_PROVIDER")]
    pub provider: Option<String>,
    /// Turn thinking (reasoning) off for every provider [default: settings.json, else on].
    #[arg(
        long,
        global = true,
        env = "MIMO2CODEX_DISABLE_THINKING",
        action = clap::ArgAction::SetTrue,
        value_parser = clap::builder::BoolishValueParser::new()
    )]
    pub disable_thinking: bool,
    /// Largest request body accepted, in MiB.
    #[arg(
        long,
        global = true,
        env = "MIMO2CODEX_BODY_LIMIT_MB",
        default_value_t = 64
    )]
    pub body_limit_mb: usize,
    /// Log filter (RUST_LOG syntax), e.g. `debug` or `info,mimo2codex=debug`.
    #[arg(long, global = true, env = "MIMO2CODEX_LOG")]
    pub log: Option<String>,
    /// Outbound route: direct, env, system, a preset (clash, clash-verge, surge, surge-socks, v2rayn,
    /// v2rayn-socks, v2box) or a proxy URL (http://, https://, socks5://, socks5h://, user:password@
    /// allowed). Wins over settings.json for this run [default: settings.json, else env].
    #[arg(long, global = true, env = "MIMO2CODEX_PROXY", value_name = "ROUTE", value_parser = clap::value_parser!(crate::upstream::OutboundRoute))]
    pub proxy: Option<crate::upstream::OutboundRoute>,
    /// Hosts never proxied, comma-separated (loopback never is).
    #[arg(
        long = "no-proxy",
        global = true,
        env = "MIMO2CODEX_NO_PROXY_HOSTS",
        value_name = "LIST"
    )]
    pub no_proxy: Option<String>,
    /// PEM file of extra CA certificates trusted besides the OS store [env: MIMO2CODEX_EXTRA_CA_CERTS,
    /// then SSL_CERT_FILE, NODE_EXTRA_CA_CERTS].
    #[arg(long, global = true, value_name = "PEM")]
    pub ca_file: Option<PathBuf>,
    /// Language of what the CLI, the doctor and Codex's error text say: en, zh-CN or system (log lines
    /// stay English) [default: settings.json's, else the OS language].
    #[arg(long, global = true, env = "MIMO2CODEX_LANG", value_name = "LANG")]
    pub lang: Option<String>,
}

impl CommonArgs {
    /// The language to speak: `--lang` / `MIMO2CODEX_LANG`, else settings.json's `language`, else the
    /// OS. An unknown value is a config error naming the choices.
    pub fn language(
        &self,
        settings: &crate::settings::Settings,
    ) -> Result<crate::i18n::Lang, crate::i18n::LangError> {
        let choice = self.lang.as_deref().or(settings.language.as_deref());
        crate::i18n::Lang::resolve(choice)
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the proxy (the default).
    Serve,
    /// Create the data directory and a commented .env template (never overwrites).
    Init,
    /// Print the ~/.codex/config.toml snippet that points Codex at this proxy.
    PrintConfig,
    /// Point Codex at this proxy safely (enable), undo it (disable), or check it (status).
    Codex(codex::CodexArgs),
    /// Check both hops (Codex → mimo2codex → proxy → provider) and say how to fix what fails.
    /// Exit 1 when a check fails.
    Doctor(doctor::DoctorArgs),
    /// Write codex-with-proxy.sh / .ps1 / .cmd: start Codex with NO_PROXY covering loopback and,
    /// optionally, a proxy for Codex's own traffic.
    Launcher(launcher::LauncherArgs),
}

/// Entry point of the binary; returns the process exit code.
///
/// clap's own text (`--help`, usage errors) stays English; everything else the CLI prints is in
/// the language of `--lang` / `MIMO2CODEX_LANG` / settings.json / the OS ([`language`]).
pub fn run() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let code = if err.use_stderr() { EXIT_CONFIG } else { 0 };
            let _ = err.print();
            return code;
        }
    };
    let data_dir = resolve_data_dir(cli.common.data_dir.as_deref());
    // Read quietly: the command reads settings.json again and warns about it in its language.
    let settings = Settings::load(&data_dir).settings;
    let lang = match language(&cli.common, &settings) {
        Ok(lang) => lang,
        Err(err) => {
            // Said in the language settings.json or the OS asks for.
            let lang = fallback_language(&settings);
            error(
                lang,
                &t!(lang, "cli-error-bad-lang", value = err.0.as_str()),
            );
            return EXIT_CONFIG;
        }
    };
    let _ = CLI_LANG.set(lang);
    match cli.command {
        Some(Command::Init) => setup::init(&data_dir, lang),
        Some(Command::PrintConfig) => setup::print_config(&cli.common, &data_dir, lang),
        Some(Command::Codex(args)) => codex::run(&args, &cli.common, &data_dir, lang),
        Some(Command::Doctor(args)) => doctor::run(&args, &cli.common, &data_dir),
        Some(Command::Launcher(args)) => launcher::run(&args, &data_dir, lang),
        Some(Command::Serve) | None => serve(&cli.common, data_dir, lang),
    }
}

/// The language [`run`] resolved for this process (English until it has).
static CLI_LANG: OnceLock<Lang> = OnceLock::new();

/// The language this command speaks, for the few places that are not handed one.
pub fn cli_lang() -> Lang {
    CLI_LANG.get().copied().unwrap_or_default()
}

/// The language to speak: `--lang` / `MIMO2CODEX_LANG` (an unknown value is an error), else
/// settings.json's `language` (an unknown value there is ignored: settings never fail a command),
/// else the OS language.
pub fn language(common: &CommonArgs, settings: &Settings) -> Result<Lang, LangError> {
    match common.lang.as_deref() {
        Some(_) => common.language(settings),
        None => Ok(fallback_language(settings)),
    }
}

/// settings.json's language if it is one we have, else the OS language.
fn fallback_language(settings: &Settings) -> Lang {
    Lang::resolve(settings.language.as_deref()).unwrap_or_else(|_| Lang::from_os())
}

/// Prints `error: <message>` (in `lang`) on stderr.
pub fn error(lang: Lang, message: &str) {
    eprintln!("{}", t!(lang, "cli-error", message = message));
}

/// `label` padded with spaces to `width` terminal columns (CJK characters take two), at least one
/// space after it: the CLI's aligned `label  value` rows.
pub fn pad(label: &str, width: usize) -> String {
    let used = display_width(label);
    format!("{label}{}", " ".repeat(width.saturating_sub(used).max(1)))
}

/// Terminal columns of `text`: wide (CJK, full-width) characters count two.
pub fn display_width(text: &str) -> usize {
    text.chars()
        .map(|c| match c as u32 {
            0x1100..=0x115F | 0x2E80..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF => 2,
            0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 => 2,
            _ => 1,
        })
        .sum()
}

/// The column width that aligns the values after `labels` (the widest label plus one space, at
/// least `min`).
pub fn label_width(labels: &[String], min: usize) -> usize {
    labels
        .iter()
        .map(|l| display_width(l) + 1)
        .max()
        .unwrap_or(0)
        .max(min)
}

/// Process env over `<data dir>/.env`; the error is in English (see [`load_env_in`]).
pub fn load_env(data_dir: &std::path::Path) -> Result<HashMap<String, String>, String> {
    load_env_in(data_dir, Lang::En)
}

/// [`load_env`] with its error in `lang`.
pub fn load_env_in(
    data_dir: &std::path::Path,
    lang: Lang,
) -> Result<HashMap<String, String>, String> {
    let file = read_env_file(&data_dir.join(".env")).map_err(|e| provider_error(lang, &e))?;
    Ok(merged_env(process_env(), file))
}

/// A provider configuration error (`.env`, providers.json, an unknown default provider) in `lang`.
pub fn provider_error(lang: Lang, err: &ProviderConfigError) -> String {
    match err {
        ProviderConfigError::ProvidersJson {
            path,
            line,
            column,
            message,
        } => t!(
            lang,
            "cli-config-json",
            path = path.display().to_string(),
            line = line.to_string(),
            column = column.to_string(),
            message = message.as_str()
        ),
        ProviderConfigError::ProvidersJsonField {
            path,
            index,
            field,
            message,
        } => t!(
            lang,
            "cli-config-field",
            path = path.display().to_string(),
            index = index.to_string(),
            field = field.as_str(),
            message = message.as_str()
        ),
        ProviderConfigError::Io { path, source } => t!(
            lang,
            "cli-config-read",
            path = path.display().to_string(),
            detail = source.to_string()
        ),
        ProviderConfigError::Write { path, source } => t!(
            lang,
            "cli-config-write",
            path = path.display().to_string(),
            detail = source.to_string()
        ),
        ProviderConfigError::UnknownDefault { id, origin, known } => t!(
            lang,
            "cli-config-unknown-provider",
            id = id.as_str(),
            origin = origin.as_str(),
            known = known.as_str()
        ),
        ProviderConfigError::Invalid(message) => message.clone(),
    }
}

/// settings.json; a problem reading it is a warning (defaults apply), never a failure.
pub fn load_settings(data_dir: &std::path::Path) -> Settings {
    let loaded = Settings::load(data_dir);
    // Settings::load already logged it; before logging starts, say it on stderr.
    if let Some(warning) = &loaded.warning {
        if !tracing::dispatcher::has_been_set() {
            let lang = cli_lang();
            eprintln!("{}", t!(lang, "cli-warning", message = warning.as_str()));
        }
    }
    loaded.settings
}

/// A warning through the log (English) when it is set up, else on stderr (commands that do not log).
fn warn(message: &str) {
    if tracing::dispatcher::has_been_set() {
        tracing::warn!("{message}");
    } else {
        eprintln!("{}", t!(cli_lang(), "cli-warning", message = message));
    }
}

/// What every command reads: the environment, settings.json, the providers, and the values that
/// come from flags, variables or settings.json.
pub struct Inputs {
    /// The process environment over `<data dir>/.env`.
    pub env: HashMap<String, String>,
    pub settings: Settings,
    pub effective: Effective,
    pub registry: ProviderRegistry,
}

/// Loads [`Inputs`]; the error says what is wrong (bad `.env`, providers.json, unknown provider),
/// in the language of `common` and settings.json.
pub fn load_inputs(common: &CommonArgs, data_dir: &std::path::Path) -> Result<Inputs, String> {
    let settings = load_settings(data_dir);
    let lang = language(common, &settings).unwrap_or_else(|_| fallback_language(&settings));
    let env = load_env_in(data_dir, lang)?;
    let effective = Effective::resolve(common, &env, &settings);
    let registry = load_registry(data_dir, &env, &effective, lang)?;
    Ok(Inputs {
        env,
        settings,
        effective,
        registry,
    })
}

/// The port this configuration listens on and where it came from, without reading the providers
/// (`codex status`, the desktop's Settings window). Only the real environment can set the port.
pub fn effective_port(
    common: &CommonArgs,
    data_dir: &std::path::Path,
) -> crate::settings::effective::Sourced<u16> {
    effective_port_with(common, &load_settings(data_dir))
}

/// [`effective_port`] with settings.json already read.
pub fn effective_port_with(
    common: &CommonArgs,
    settings: &Settings,
) -> crate::settings::effective::Sourced<u16> {
    let process: HashMap<String, String> = process_env().collect();
    Effective::resolve(common, &process, settings).port
}

/// [`load_inputs`] for a command: on failure, prints why and gives the exit code.
fn load_inputs_or_exit(
    common: &CommonArgs,
    data_dir: &std::path::Path,
    lang: Lang,
) -> Result<Inputs, i32> {
    load_inputs(common, data_dir).map_err(|err| {
        error(lang, &err);
        EXIT_CONFIG
    })
}

/// The multi-threaded runtime a command runs on; on failure, prints why and gives the exit code.
fn new_runtime() -> Result<tokio::runtime::Runtime, i32> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|err| {
            let lang = cli_lang();
            error(
                lang,
                &t!(lang, "cli-error-runtime", detail = err.to_string()),
            );
            EXIT_RUNTIME
        })
}

/// The provider registry from env, `.env` and `providers.json`, with the default provider of
/// `effective`: one named by a flag or variable must exist (else an error, as always); one from
/// settings.json is used only if it is configured (else a warning and the registry's own default).
pub fn load_registry(
    data_dir: &std::path::Path,
    env: &HashMap<String, String>,
    effective: &Effective,
    lang: Lang,
) -> Result<ProviderRegistry, String> {
    let wanted = &effective.default_provider;
    let explicit = wanted
        .origin
        .overrides_settings()
        .then(|| wanted.value.clone())
        .flatten();
    // `env` is already the process env over `.env`; reading it again through from_data_dir keeps
    // one rule for MIMO2CODEX_PROVIDERS_FILE and providers.json.
    let sources = ProviderSources::from_data_dir(data_dir, env.clone().into_iter(), explicit)
        .map_err(|e| provider_error(lang, &e))?;
    let registry = ProviderRegistry::load(&sources).map_err(|e| provider_error(lang, &e))?;
    match (&wanted.value, wanted.origin) {
        (Some(id), Origin::Settings) => {
            let (registry, warning) = apply_settings_provider(registry, id);
            if let Some(w) = warning {
                warn(&w);
            }
            Ok(registry)
        }
        _ => Ok(registry),
    }
}

fn serve(common: &CommonArgs, data_dir: PathBuf, lang: Lang) -> i32 {
    if let Err(err) = std::fs::create_dir_all(&data_dir) {
        let message = t!(
            lang,
            "cli-error-data-dir",
            path = data_dir.display().to_string(),
            detail = err.to_string()
        );
        error(lang, &message);
        return EXIT_CONFIG;
    }
    let env = match load_env_in(&data_dir, lang) {
        Ok(env) => env,
        Err(err) => {
            error(lang, &err);
            return EXIT_CONFIG;
        }
    };
    let log = crate::logging::init(&data_dir, common.log.as_deref());
    let config = match engine_config(common, &data_dir, &env) {
        Ok(c) => c,
        Err(err) => {
            error(lang, &err);
            return EXIT_CONFIG;
        }
    };
    let runtime = match new_runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    runtime.block_on(async move {
        let running = match engine::start(config).await {
            Ok(r) => r,
            Err(err) => {
                error(lang, &err.text(lang));
                // A bad CA file is configuration, like a bad flag.
                return if matches!(err, engine::EngineError::Ca(_)) {
                    EXIT_CONFIG
                } else {
                    EXIT_RUNTIME
                };
            }
        };
        banner::print(&running, &data_dir, &log, lang);
        wait_for_signal().await;
        tracing::info!("shutting down");
        running.shutdown().await;
        0
    })
}

/// The engine's configuration from flags, the environment (`env`: process over `.env`), the data
/// dir's files and settings — shared by `serve` and the desktop app. A flag or variable wins over
/// settings.json, which wins over the default ([`Effective`]). The engine speaks (and the error
/// says what is wrong in) the language of `--lang` / `MIMO2CODEX_LANG` / settings.json / the OS.
pub fn engine_config(
    common: &CommonArgs,
    data_dir: &std::path::Path,
    env: &HashMap<String, String>,
) -> Result<EngineConfig, String> {
    engine_config_with(common, data_dir, env, &load_settings(data_dir))
}

/// [`engine_config`] with settings.json already read (the desktop reads it once per start).
pub fn engine_config_with(
    common: &CommonArgs,
    data_dir: &std::path::Path,
    env: &HashMap<String, String>,
    settings: &Settings,
) -> Result<EngineConfig, String> {
    let lang = language(common, settings).unwrap_or_else(|_| fallback_language(settings));
    let effective = Effective::resolve(common, env, settings);
    let registry = load_registry(data_dir, env, &effective, lang)?;
    let network =
        crate::settings::network_config(common, env, settings).map_err(|e| e.text(lang))?;
    Ok(EngineConfig {
        host: common.host.clone(),
        port: effective.port.value,
        data_dir: data_dir.to_path_buf(),
        registry,
        thinking: effective.thinking.value,
        body_limit: common.body_limit_mb.saturating_mul(1024 * 1024),
        no_proxy_from_env: env_flag(env, "MIMO2CODEX_NO_PROXY_FROM_ENV"),
        network,
        lang,
    })
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
