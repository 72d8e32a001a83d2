//! Builds the windows' TypeScript (ui/src → ui/app/main.js, bundled by esbuild through
//! `ui/build.mjs`) before Tauri embeds ../ui, so a plain `cargo build` gives working windows. Needs
//! `npm ci` once (TypeScript, esbuild and the UI's npm packages are pinned devDependencies).

use std::path::Path;
use std::process::Command;

fn main() {
    build_ui();
    tauri_build::build()
}

fn build_ui() {
    for path in [
        "../ui/src",
        "../ui/tsconfig.json",
        "../ui/build.mjs",
        // The English window catalogue is bundled in as the fallback.
        "../locales/en/ui.ftl",
        "../package-lock.json",
    ] {
        println!("cargo:rerun-if-changed={path}");
    }
    let tsc = Path::new("../node_modules/typescript/bin/tsc");
    let esbuild = Path::new("../node_modules/esbuild/package.json");
    if !tsc.exists() || !esbuild.exists() {
        if Path::new("../ui/app/main.js").exists() {
            println!(
                "cargo:warning=the UI's npm packages are not installed (run `npm ci`): the windows use the ui/app built earlier"
            );
            return;
        }
        panic!("the windows' TypeScript is not built and its tools are not installed: run `npm ci` in the repository root, then build again");
    }
    // Type errors only warn here; ./scripts/test.sh fails on them (`npm run build:ui`).
    match Command::new("node")
        .arg(tsc)
        .args(["-p", "../ui", "--noEmit"])
        .status()
    {
        Ok(status) if status.success() => {}
        Ok(status) => println!(
            "cargo:warning=ui/src has TypeScript errors ({status}): run `npm run build:ui` to see them"
        ),
        Err(err) => panic!(
            "cannot run node to type-check ui/src ({err}): install Node.js 18 or newer"
        ),
    }
    match Command::new("node").arg("../ui/build.mjs").status() {
        Ok(status) if status.success() => {}
        Ok(status) => panic!(
            "bundling ui/src failed ({status}): see esbuild's message above, or run `npm run build:ui`"
        ),
        Err(err) => panic!("cannot run node to bundle ui/src ({err}): install Node.js 18 or newer"),
    }
}
