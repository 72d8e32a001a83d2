//! Engine configuration and the command line.

pub fn cli_main() -> i32 {
    0
}
