// mimalloc: glibc malloc's arena locks and fragmentation showed up as ~20% of the engine's CPU and
// a growing RSS under concurrent streams (see doc/performance.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(mimo2codex::cli::run());
}
