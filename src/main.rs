fn main() {
    std::process::exit(mimo2codex::config::cli_main());
}
