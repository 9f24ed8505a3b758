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

    let quality = dedup_quality(root)?;
    let interactive = click_to_interactive(root)?;
    let speed = dedup_speed(root)?;
    let text = format!(
        "# Benchmarks\n\nWritten by `cargo xtask bench`; rerun it to refresh every figure.\n\n\
         ## Widget size\n\nSizes in KiB (1 KiB = 1024 bytes), release build (`wasm-release` profile, then wasm-opt -Oz). \
         The loader is all a page fetches until the citizen shows intent; the app (glue + WASM) \
         comes after. Budgets: loader ≤ 2 KB brotli, app ≤ 120 KB brotli.\n\n{table}\n{interactive}\n{quality}\n{speed}"
    );
    std::fs::write(root.join("BENCHMARKS.md"), &text)?;
    print!("{text}");
    Ok(())
}

/// Runs the ignored browser benchmark of the end-to-end tests and reads its figures.
fn click_to_interactive(root: &Path) -> Result<String> {
    crate::cargo(root, &["build", "--package", "backend", "--bin", "guichet"])?;
    crate::cargo(
        root,
        &["test", "--package", "tests", "--test", "e2e", "bench_", "--", "--ignored", "--test-threads", "1"],
    )?;
    let figures: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("target/bench/widget.json"))?)?;
    Ok(format!(
        "## Click to interactive\n\nFrom the click on the launcher of the demo home page to the form's first field focused, \
         in headless Chromium on this machine (`bench_click_to_interactive` in `tests/e2e/widget_bench.rs`), {} runs: \
         first run (empty cache: loader, glue and WASM fetched and compiled) {:.0} ms; after a reload (files revalidated) \
         median {:.0} ms, slowest {:.0} ms.\n",
        figures["runs"],
        figures["first_ms"].as_f64().unwrap_or(f64::NAN),
        figures["median_ms"].as_f64().unwrap_or(f64::NAN),
        figures["max_ms"].as_f64().unwrap_or(f64::NAN)
    ))
}

/// Replays every labelled set with the release binary and scores the groupings.
fn dedup_quality(root: &Path) -> Result<String> {
    crate::cargo(root, &["build", "--release", "--package", "backend", "--bin", "guichet"])?;
    let guichet = root.join("target/release/guichet");
    let mut sets = vec![root.join("../shared/dedup-devset")];
    if let Ok(dir) = std::fs::read_dir(root.join("backend/tests/fixtures/dedup")) {
        // `devset` there is a copy of the shared one, for the unit tests: measured once.
        let mut own: Vec<_> =
            dir.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.is_dir() && !p.ends_with("devset")).collect();
        own.sort();
        sets.extend(own);
    }
    let mut table = String::from(
        "| set | ticket P | ticket R | ticket F1 | incident P | incident R | incident F1 |\n|---|---:|---:|---:|---:|---:|---:|\n",
    );
    for set in sets.iter().filter(|s| s.join("messages.jsonl").exists()) {
        let (t, i) = crate::quality::evaluate(&guichet, set)?;
        let name = set.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        writeln!(
            table,
            "| {name} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} |",
            t.precision, t.recall, t.f1, i.precision, i.recall, i.f1
        )?;
    }
    Ok(format!(
        "## Deduplication quality\n\nPairwise precision (P), recall (R) and F1 over pairs of messages that share a \
         ticket, and separately an incident, from `guichet replay` on each labelled set: `shared/dedup-devset` and \
         the sets in `backend/tests/fixtures/dedup/`. Targets: ticket F1 ≥ 0.95 with P ≥ 0.98, incident F1 ≥ 0.90.\n\n{table}"
    ))
}

/// The engine's benchmark (`backend/benches/dedup.rs`), then `guichet replay` timed on the
/// 20 000 messages it writes.
fn dedup_speed(root: &Path) -> Result<String> {
    let replay_file = root.join("target/bench/replay.jsonl");
    std::fs::create_dir_all(root.join("target/bench"))?;
    eprintln!("xtask: cargo bench --package backend --bench dedup (1 M tickets take several minutes)");
    let output = std::process::Command::new(env!("CARGO"))
        .args(["bench", "--quiet", "--package", "backend", "--bench", "dedup"])
        .env("GUICHET_BENCH_REPLAY_FILE", &replay_file)
        .current_dir(root)
        .output()?;
    if !output.status.success() {
        anyhow::bail!("the dedup benchmark failed: {}", String::from_utf8_lossy(&output.stderr));
    }
    let mut table = String::from(
        "| indexed messages | tickets | decision median | decision p99 | memory per ticket | engine throughput |\n|---:|---:|---:|---:|---:|---:|\n",
    );
    for line in String::from_utf8(output.stdout)?.lines().filter(|l| l.starts_with('{')) {
        let f: serde_json::Value = serde_json::from_str(line)?;
        let num = |k: &str| f[k].as_f64().unwrap_or(f64::NAN);
        writeln!(
            table,
            "| {} | {} | {:.0} µs | {:.0} µs | {:.0} B | {:.0} msg/s |",
            f["messages"],
            f["tickets"],
            num("median_us"),
            num("p99_us"),
            num("bytes_per_ticket"),
            num("engine_messages_per_second")
        )?;
    }
    let started = std::time::Instant::now();
    let replay = std::process::Command::new(root.join("target/release/guichet"))
        .arg("replay")
        .arg(&replay_file)
        .stdout(std::process::Stdio::null())
        .current_dir(root)
        .status()?;
    anyhow::ensure!(replay.success(), "guichet replay on the benchmark file failed");
    let rate = 20_000.0 / started.elapsed().as_secs_f64();
    Ok(format!(
        "## Deduplication speed\n\nOne decision (`Engine::decide`) for a new message against a history of realistic short \
         messages (widget, email, Messenger, WhatsApp; streets, numbers, topics; a year of history), release build, one core \
         of this 2-core machine: 2 000 decisions per size, half from new citizens, half from known ones. Memory is the growth \
         of the process's resident memory while indexing, divided by the tickets. Engine throughput is decide + apply. \
         Targets: p99 under 1 ms at 1 M, under 1 KB per ticket.\n\n{table}\n\
         `guichet replay` end to end (parse, SQLite in memory, engine, outbox rows) on 20 000 such messages: \
         {rate:.0} messages per second.\n"
    ))
}

fn kb(bytes: usize) -> String {
    format!("{:.1} KiB", bytes as f64 / 1024.0)
}
