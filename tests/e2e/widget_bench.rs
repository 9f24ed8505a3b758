//! Not a test: the widget's click-to-interactive time in headless Chromium, for
//! `cargo xtask bench` (it runs the ignored tests of this module and reads what they write).

use std::time::Duration;

use anyhow::Result;
use tests::poll::wait_until;

use crate::world::World;

const RUNS: usize = 15;

/// From the click on the launcher to the form's first field focused: the first run with an
/// empty browser cache, the others after a reload (files revalidated, `Cache-Control: no-cache`).
#[test]
#[ignore = "a benchmark, run by cargo xtask bench"]
fn bench_click_to_interactive() -> Result<()> {
    let w = World::start(None)?;
    let mut cold = Vec::new();
    for _ in 0..RUNS {
        w.goto("index.html")?;
        wait_until(Duration::from_secs(10), || {
            Ok((w.browser.execute("return !!document.querySelector('guichet-widget')", &[])? == true).then_some(()))
        })?;
        let ms = w.browser.execute_async(
            "const done = arguments[0];
             const r = document.querySelector('guichet-widget').shadowRoot;
             const t0 = performance.now();
             r.querySelector('.launcher').click();
             (function poll() {
                 const field = r.querySelector('dialog[open] #g-topic');
                 if (field && r.activeElement === field) done(performance.now() - t0);
                 else requestAnimationFrame(poll);
             })();",
            &[],
        )?;
        cold.push(ms.as_f64().unwrap_or(f64::NAN));
    }
    let first = cold[0];
    cold.sort_by(f64::total_cmp);
    let out = tests::workspace_root().join("target/bench");
    std::fs::create_dir_all(&out)?;
    let median = cold[cold.len() / 2];
    let worst = cold[cold.len() - 1];
    std::fs::write(
        out.join("widget.json"),
        serde_json::json!({"runs": RUNS, "first_ms": first, "median_ms": median, "max_ms": worst}).to_string(),
    )?;
    Ok(())
}
