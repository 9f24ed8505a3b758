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
    let widget = widget_sections(root)?;
    let lighthouse = lighthouse(root)?;
    let quality = dedup_quality(root)?;
    let speed = dedup_speed(root)?;
    let text = format!(
        "# Benchmarks\n\nWritten by `cargo xtask bench`; rerun it to refresh every figure.\n\n{widget}\n{lighthouse}\n{quality}\n{speed}"
    );
    std::fs::write(root.join("BENCHMARKS.md"), &text)?;
    print!("{text}");
    Ok(())
}

/// `cargo xtask bench --widget`: remeasures the widget's sections (sizes, largest parts, click
/// to interactive) and replaces them in BENCHMARKS.md, keeping the other figures.
pub(crate) fn write_widget(root: &Path) -> Result<()> {
    let path = root.join("BENCHMARKS.md");
    let old = std::fs::read_to_string(&path).context("BENCHMARKS.md: run the whole `cargo xtask bench` first")?;
    let (start, end) = (old.find(WIDGET_SIZE), old.find(LIGHTHOUSE));
    let (Some(start), Some(end)) = (start, end) else {
        anyhow::bail!("BENCHMARKS.md lacks `{WIDGET_SIZE}` or `{LIGHTHOUSE}`: run the whole `cargo xtask bench`");
    };
    let widget = widget_sections(root)?;
    std::fs::write(&path, format!("{}{widget}\n{}", &old[..start], &old[end..]))?;
    print!("{widget}");
    Ok(())
}

/// `cargo xtask bench --dedup`: remeasures the deduplication sections (quality, speed), which
/// end BENCHMARKS.md, keeping the widget's.
pub(crate) fn write_dedup(root: &Path) -> Result<()> {
    let path = root.join("BENCHMARKS.md");
    let old = std::fs::read_to_string(&path).context("BENCHMARKS.md: run the whole `cargo xtask bench` first")?;
    let Some(start) = old.find(DEDUP_QUALITY) else {
        anyhow::bail!("BENCHMARKS.md lacks `{DEDUP_QUALITY}`: run the whole `cargo xtask bench`");
    };
    let dedup = format!("{}\n{}", dedup_quality(root)?, dedup_speed(root)?);
    std::fs::write(&path, format!("{}{dedup}", &old[..start]))?;
    print!("{dedup}");
    Ok(())
}

const DEDUP_QUALITY: &str = "## Deduplication quality";
const WIDGET_SIZE: &str = "## Widget size";
const LIGHTHOUSE: &str = "## Lighthouse";

/// The widget's sizes, its largest parts and the click-to-interactive time, as markdown.
fn widget_sections(root: &Path) -> Result<String> {
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
    let largest = largest_parts(root);
    let interactive = click_to_interactive(root)?;
    Ok(format!(
        "{WIDGET_SIZE}\n\nSizes in KiB (1 KiB = 1024 bytes), release build (`wasm-release` profile, then wasm-opt -Oz). \
         The loader is all a page fetches until the citizen shows intent; the app (glue + WASM) \
         comes after. Budgets: loader ≤ 2 KB brotli, app ≤ 120 KB brotli.\n\n{table}\n{largest}\n{interactive}"
    ))
}

/// The largest functions and data of the widget's WebAssembly as twiggy sees them (before
/// wasm-bindgen and wasm-opt, where the names are still there), when twiggy is installed.
fn largest_parts(root: &Path) -> String {
    let wasm = root.join("target/wasm/wasm32-unknown-unknown/wasm-release/widget.wasm");
    let output = std::process::Command::new("twiggy").args(["top", "-n", "40", "-f", "json"]).arg(&wasm).output();
    let Ok(output) = output.map_err(|e| e.to_string()).and_then(|o| {
        if o.status.success() { Ok(o.stdout) } else { Err(String::from_utf8_lossy(&o.stderr).into_owned()) }
    }) else {
        return "## Largest parts of the WASM\n\ntwiggy is not installed (`cargo install twiggy`): not measured.\n"
            .to_owned();
    };
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&output).unwrap_or_default();
    let mut table = String::from("| item | bytes |\n|---|---:|\n");
    // Custom sections and names are stripped from what browsers get: only code and data count.
    for row in rows.iter().filter(|r| !r["name"].as_str().unwrap_or_default().contains("section")).take(12) {
        let name = row["name"].as_str().unwrap_or_default();
        let name = name.rsplit_once("::h").map_or(name, |(n, _)| n).replace('|', "\\|");
        let _ = writeln!(table, "| `{}` | {} |", name.chars().take(110).collect::<String>(), row["shallow_size"]);
    }
    format!(
        "## Largest parts of the WASM\n\n`twiggy top` on the optimised build before wasm-bindgen and wasm-opt \
         (sizes before wasm-opt's own shrinking), custom sections and names left out:\n\n{table}"
    )
}

/// Lighthouse (npm, with Debian's Chromium) on the demo home page with the widget's tag and
/// on the same page without it, three runs each, medians.
fn lighthouse(root: &Path) -> Result<String> {
    use std::io::BufRead as _;
    let bin = root.join("target/npm/node_modules/.bin/lighthouse");
    if !bin.exists() {
        crate::setup::npm_install(root, "lighthouse@12")?;
    }
    let bench = root.join("target/bench");
    let site = bench.join("site");
    let _ = std::fs::remove_dir_all(&site);
    std::fs::create_dir_all(&site)?;
    for entry in std::fs::read_dir(root.join("demo-site"))? {
        let path = entry?.path();
        std::fs::copy(&path, site.join(path.file_name().unwrap_or_default()))?;
    }
    let home = std::fs::read_to_string(site.join("index.html"))?;
    let bare: String = home
        .lines()
        .filter(|l| !l.contains("widget.js") && !l.contains("/s/ville-exemple/contact"))
        .map(|l| format!("{l}\n"))
        .collect();
    anyhow::ensure!(bare.len() < home.len(), "the demo home page has no widget tag to remove");
    std::fs::write(site.join("index-without-widget.html"), bare)?;
    let config = std::fs::read_to_string(root.join("guichet.toml"))?
        .replace("data_dir = \"data\"", &format!("data_dir = \"{}\"", bench.join("data").display()))
        .replace("demo_site_dir = \"demo-site\"", &format!("demo_site_dir = \"{}\"", site.display()));
    std::fs::write(bench.join("guichet.toml"), config)?;

    crate::cargo(root, &["build", "--release", "--package", "backend", "--bin", "guichet"])?;
    let mut guichet = std::process::Command::new(root.join("target/release/guichet"))
        .args(["serve", "--listen", "127.0.0.1:0", "--config"])
        .arg(bench.join("guichet.toml"))
        .current_dir(root)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()?;
    let mut line = String::new();
    std::io::BufReader::new(guichet.stdout.take().context("no stdout")?).read_line(&mut line)?;
    let base = line.trim().rsplit(' ').next().unwrap_or_default().to_owned();
    anyhow::ensure!(base.starts_with("http://"), "guichet did not start for Lighthouse (it said `{}`)", line.trim());

    let mut table = String::from(
        "| page | performance | accessibility | first contentful paint | largest contentful paint | total blocking time | cumulative layout shift |\n|---|---:|---:|---:|---:|---:|---:|\n",
    );
    let run = |page: &str| -> Result<Vec<serde_json::Value>> {
        (0..3)
            .map(|_| {
                let out = std::process::Command::new(&bin)
                    .arg(format!("{base}/{page}"))
                    .args(["--only-categories=performance,accessibility", "--output=json", "--quiet"])
                    .arg("--chrome-flags=--headless=new --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking --disable-component-update --disable-sync")
                    .env("CHROME_PATH", "/usr/bin/chromium")
                    .output()?;
                anyhow::ensure!(out.status.success(), "lighthouse failed: {}", String::from_utf8_lossy(&out.stderr));
                Ok(serde_json::from_slice(&out.stdout)?)
            })
            .collect()
    };
    for (label, page) in [("with the widget", "index.html"), ("without the widget", "index-without-widget.html")] {
        let reports = run(page);
        let reports = match reports {
            Ok(r) => r,
            Err(e) => {
                let _ = guichet.kill();
                return Err(e);
            }
        };
        let median = |f: &dyn Fn(&serde_json::Value) -> f64| {
            let mut v: Vec<f64> = reports.iter().map(f).collect();
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        let audit = |id: &'static str| {
            move |r: &serde_json::Value| r["audits"][id]["numericValue"].as_f64().unwrap_or(f64::NAN)
        };
        writeln!(
            table,
            "| home page {label} | {:.0} | {:.0} | {:.0} ms | {:.0} ms | {:.0} ms | {:.3} |",
            median(&|r| r["categories"]["performance"]["score"].as_f64().unwrap_or(f64::NAN) * 100.0),
            median(&|r| r["categories"]["accessibility"]["score"].as_f64().unwrap_or(f64::NAN) * 100.0),
            median(&audit("first-contentful-paint")),
            median(&audit("largest-contentful-paint")),
            median(&audit("total-blocking-time")),
            median(&audit("cumulative-layout-shift")),
        )?;
    }
    let _ = guichet.kill();
    Ok(format!(
        "{LIGHTHOUSE}\n\nLighthouse 12 (npm) with Debian's Chromium, headless, on the demo home page served by `guichet` \
         (release build), with the widget's tag and with the same page without it; median of three runs each. \
         Lighthouse's default mobile emulation (slow 4G, 4× CPU slowdown).\n\n{table}"
    ))
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
    // Written without sight of the engine or of the sets above; scored once unseen, then studied.
    if let Ok(dir) = std::fs::read_dir(root.join("backend/tests/fixtures/heldout-blind")) {
        let mut blind: Vec<_> = dir.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.is_dir()).collect();
        blind.sort();
        sets.extend(blind);
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
            t.precision(),
            t.recall(),
            t.f1(),
            i.precision(),
            i.recall(),
            i.f1()
        )?;
    }
    Ok(format!(
        "## Deduplication quality\n\nPairwise precision (P), recall (R) and F1 over pairs of messages that share a \
         ticket, and separately an incident, from `guichet replay` on each labelled set: `shared/dedup-devset` and \
         the sets in `backend/tests/fixtures/dedup/` (the engine was tuned on these), then the sets of \
         `backend/tests/fixtures/heldout-blind/` (written without sight of the engine, in batches; each batch was scored \
         once unseen before anyone studied it, and only that unseen score, in that directory's README (which also \
         says which batches were studied since), measures generalisation). Targets: ticket F1 ≥ 0.95 with P ≥ 0.98, incident F1 ≥ 0.90.\n\n{table}"
    ))
}

/// The engine's benchmark (`backend/benches/dedup.rs`), then `guichet replay` timed on the
/// 20 000 messages it writes.
fn dedup_speed(root: &Path) -> Result<String> {
    let replay_file = root.join("target/bench/replay.jsonl");
    std::fs::create_dir_all(root.join("target/bench"))?;
    // One process per size: in one process the 1 M history meets the memory the smaller ones
    // left behind, and its first-run p99 then measures the allocator's state, not the engine.
    let mut lines = String::new();
    for size in ["10000", "100000", "1000000"] {
        eprintln!("xtask: cargo bench --package backend --bench dedup -- {size} (1 M takes several minutes)");
        let mut bench = std::process::Command::new(env!("CARGO"));
        bench.args(["bench", "--quiet", "--package", "backend", "--bench", "dedup", "--", size]).current_dir(root);
        if size == "10000" {
            bench.env("GUICHET_BENCH_REPLAY_FILE", &replay_file);
        }
        let output = bench.output()?;
        if !output.status.success() {
            anyhow::bail!("the dedup benchmark failed: {}", String::from_utf8_lossy(&output.stderr));
        }
        lines.push_str(&String::from_utf8(output.stdout)?);
    }
    let mut table = String::from(
        "| indexed messages | tickets | decision median | decision p99 | p99 of undisturbed first runs (how many of 2000) | fastest of 3: median | fastest of 3: p99 | memory per ticket | engine throughput |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for line in lines.lines().filter(|l| l.starts_with('{')) {
        let f: serde_json::Value = serde_json::from_str(line)?;
        let num = |k: &str| f[k].as_f64().unwrap_or(f64::NAN);
        writeln!(
            table,
            "| {} | {} | {:.0} µs | {:.0} µs | {:.0} µs ({}) | {:.0} µs | {:.0} µs | {:.0} B | {:.0} msg/s |",
            f["messages"],
            f["tickets"],
            num("median_us"),
            num("p99_us"),
            num("undisturbed_p99_us"),
            f["undisturbed_first_runs"],
            num("fastest_of_3_median_us"),
            num("fastest_of_3_p99_us"),
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
         of this 2-core machine, each size in a fresh process: 2 000 decisions per size, half from new citizens, half from known ones, each timed on its first \
         run and as the fastest of three runs (other processes on this shared machine can take the core during any one run). \
         The undisturbed p99 keeps the first runs during which the kernel never took the core from the benchmark's thread \
         (`nonvoluntary_ctxt_switches` unchanged over the three runs): a first run that waited for another process measures \
         the machine, not the engine. Memory is the growth \
         of the process's resident memory while indexing, divided by the tickets. Engine throughput is decide + apply. \
         Targets: p99 under 1 ms at 1 M, under 1 KB per ticket.\n\n{table}\n\
         `guichet replay` end to end (parse, SQLite in memory, engine, outbox rows) on 20 000 such messages: \
         {rate:.0} messages per second.\n"
    ))
}

fn kb(bytes: usize) -> String {
    format!("{:.1} KiB", bytes as f64 / 1024.0)
}
