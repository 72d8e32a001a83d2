fn main() {
    std::process::exit(mimo2codex::cli::run());
}
