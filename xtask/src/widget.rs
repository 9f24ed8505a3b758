//! The widget build as a library function: cargo for wasm32 in its own target directory,
//! wasm-bindgen in process at the version the widget links, then wasm-opt when installed.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result};

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Profile {
    Dev,
    Release,
}

/// The files `dist/widget` holds: the loader, the glue and the WASM, each also precompressed.
pub(crate) const LOADER: &str = "widget.js";
pub(crate) const GLUE: &str = "guichet_widget.js";
pub(crate) const WASM: &str = "guichet_widget_bg.wasm";

/// Builds into `dist/widget` and returns that directory.
pub(crate) fn build(root: &Path, profile: Profile) -> Result<PathBuf> {
    let target_dir = root.join("target/wasm");
    let (cargo_profile, profile_dir) = match profile {
        Profile::Dev => ("dev", "debug"),
        Profile::Release => ("wasm-release", "wasm-release"),
    };
    let mut cargo = Command::new(env!("CARGO"));
    cargo
        .args([
            "build",
            "--package",
            "widget",
            "--lib",
            "--target",
            "wasm32-unknown-unknown",
            "--profile",
            cargo_profile,
        ])
        .arg("--target-dir")
        .arg(&target_dir)
        .current_dir(root);
    // Flags meant for the host build (coverage, sanitizers, a target dir) must not leak in.
    for var in
        ["RUSTFLAGS", "CARGO_ENCODED_RUSTFLAGS", "CARGO_BUILD_RUSTFLAGS", "CARGO_TARGET_DIR", "CARGO_BUILD_TARGET"]
    {
        cargo.env_remove(var);
    }
    crate::run(&mut cargo)?;

    let wasm = target_dir.join("wasm32-unknown-unknown").join(profile_dir).join("widget.wasm");
    let out = root.join("dist/widget");
    std::fs::create_dir_all(&out)?;
    eprintln!("xtask: wasm-bindgen {} (in process)", wasm.display());
    wasm_bindgen_cli_support::Bindgen::new()
        .input_path(&wasm)
        .out_name("guichet_widget")
        .web(true)?
        .typescript(false)
        .debug(profile == Profile::Dev)
        .generate(&out)
        .with_context(|| format!("wasm-bindgen on {}", wasm.display()))?;

    let bundle = out.join(WASM);
    if profile == Profile::Release {
        optimise(root, &bundle)?;
    }
    let loader = std::fs::read_to_string(root.join("widget/loader/widget.js")).context("reading the loader")?;
    let loader = loader
        .replace("__GLUE_SRI__", &integrity(&std::fs::read(out.join(GLUE))?))
        .replace("__WASM_SRI__", &integrity(&std::fs::read(&bundle)?));
    std::fs::write(out.join(LOADER), minify(&loader))?;
    for name in [LOADER, GLUE, WASM] {
        precompress(&out.join(name))?;
    }
    Ok(out)
}

/// Optimises for size with binaryen's wasm-opt: npm's current build (installed under
/// `target/npm` when npm is there), as Debian's version 108 cannot read the `table.fill`
/// that wasm-bindgen's externref table uses. Without an optimiser the widget still works, bigger.
fn optimise(root: &Path, wasm: &Path) -> Result<()> {
    let npm_opt = root.join("target/npm/node_modules/.bin/wasm-opt");
    if !npm_opt.exists() {
        crate::setup::npm_install(root, "binaryen@132").ok();
    }
    if !npm_opt.exists() {
        eprintln!("xtask: binaryen's wasm-opt is not available (it needs npm); the widget is left unoptimised");
        return Ok(());
    }
    let optimised = wasm.with_extension("opt.wasm");
    crate::run(
        Command::new(&npm_opt).args(["-Oz", "--strip-debug", "--strip-producers"]).arg(wasm).arg("-o").arg(&optimised),
    )?;
    std::fs::rename(&optimised, wasm)?;
    Ok(())
}

/// Drops the loader's indentation, blank lines and `//` comment lines: the readable source
/// stays in `widget/loader/`, pages get fewer bytes. (No line of it starts inside a string.)
fn minify(js: &str) -> String {
    js.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with("//")).collect::<Vec<_>>().join("\n") + "\n"
}

/// A Subresource Integrity value: `sha384-` and the base64 of the SHA-384 digest.
pub(crate) fn integrity(bytes: &[u8]) -> String {
    use base64::Engine as _;
    use sha2::Digest as _;
    format!("sha384-{}", base64::engine::general_purpose::STANDARD.encode(sha2::Sha384::digest(bytes)))
}

/// Writes `name.br` and `name.gz` beside `name`, which the backend serves to browsers that
/// accept them.
fn precompress(path: &Path) -> Result<()> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    std::fs::write(with_suffix(path, "br"), crate::bench::brotli(&bytes))?;
    std::fs::write(with_suffix(path, "gz"), crate::bench::gzip(&bytes))?;
    Ok(())
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".");
    name.push(suffix);
    PathBuf::from(name)
}
