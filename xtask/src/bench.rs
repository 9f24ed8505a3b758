//! Measurements anyone can rerun: `cargo xtask bench` writes BENCHMARKS.md.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

use anyhow::{Context, Result};

use crate::widget::{GLUE, LOADER, WASM};

pub(crate) fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).expect("writing to memory");
    encoder.finish().expect("writing to memory")
}

pub(crate) fn brotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams { quality: 11, lgwin: 22, ..Default::default() };
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &params).expect("writing to memory");
    out
}

pub(crate) fn write(root: &Path) -> Result<()> {
    let dist = root.join("dist/widget");
    let mut table = String::from("| file | raw | gzip -9 | brotli -q 11 |\n|---|---:|---:|---:|\n");
    let mut totals = [0usize; 3];
    for (what, name) in [("loader", LOADER), ("JS glue", GLUE), ("WASM", WASM)] {
        let bytes = std::fs::read(dist.join(name)).with_context(|| format!("reading dist/widget/{name}"))?;
        let sizes = [bytes.len(), gzip(&bytes).len(), brotli(&bytes).len()];
        if name != LOADER {
            for (t, s) in totals.iter_mut().zip(sizes) {
                *t += s;
            }
        }
        writeln!(table, "| {what} (`{name}`) | {} | {} | {} |", kb(sizes[0]), kb(sizes[1]), kb(sizes[2]))?;
    }
    writeln!(table, "| app (glue + WASM) | {} | {} | {} |", kb(totals[0]), kb(totals[1]), kb(totals[2]))?;

    let text = format!(
        "# Benchmarks\n\nWritten by `cargo xtask bench`; rerun it to refresh every figure. \
         Sizes in KiB (1 KiB = 1024 bytes), release build (`wasm-release` profile, wasm-opt -Oz when installed).\n\n\
         ## Widget size\n\nThe loader is all a page fetches until the citizen shows intent; the app (glue + WASM) \
         comes after. Budgets: loader ≤ 2 KB brotli, app ≤ 120 KB brotli.\n\n{table}"
    );
    std::fs::write(root.join("BENCHMARKS.md"), &text)?;
    print!("{text}");
    Ok(())
}

fn kb(bytes: usize) -> String {
    format!("{:.1} KiB", bytes as f64 / 1024.0)
}
