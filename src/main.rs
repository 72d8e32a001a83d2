fn main() {
    mimo2codex::config::drop_blank_env_vars();
    std::process::exit(mimo2codex::cli::run());
}
