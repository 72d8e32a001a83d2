//! Compiles the windows' TypeScript (ui/src → ui/app) before Tauri embeds ../ui, so a plain
//! `cargo build` gives working windows. Needs `npm ci` once (TypeScript is a pinned devDependency).

use std::path::Path;
use std::process::Command;

fn main() {
    build_ui();
    tauri_build::build()
}

fn build_ui() {
    println!("cargo:rerun-if-changed=../ui/src");
    println!("cargo:rerun-if-changed=../ui/tsconfig.json");
    let tsc = Path::new("../node_modules/typescript/bin/tsc");
    if !tsc.exists() {
        if Path::new("../ui/app/main.js").exists() {
            println!(
                "cargo:warning=TypeScript is not installed (run `npm ci`): the windows use the ui/app compiled earlier"
            );
            return;
        }
        panic!("the windows' TypeScript is not compiled and TypeScript is not installed: run `npm ci` in the repository root, then build again");
    }
    match Command::new("node").arg(tsc).args(["-p", "../ui"]).status() {
        Ok(status) if status.success() => {}
        // tsc still emits JavaScript on type errors; ./scripts/test.sh fails on them (`npm run build:ui`).
        Ok(status) => println!("cargo:warning=ui/src has TypeScript errors ({status}): run `npm run build:ui` to see them"),
        Err(err) => panic!("cannot run node to compile ui/src ({err}): install Node.js 18 or newer"),
    }
}
