//! `guichet email inspect`, the built binary: what an administrator sees of how Guichet reads
//! a citizen's reply, an out-of-office and a bare pasted body.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use anyhow::{Context, Result, ensure};
use serde_json::Value;
use tests::guichet::binary;
use tests::workspace_root;

fn inspect(args: &[&str], stdin: &[u8]) -> Result<Output> {
    let mut child = Command::new(binary()?)
        .args(["email", "inspect"])
        .args(args)
        .env("RUST_LIB_BACKTRACE", "0")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    child.stdin.take().context("no stdin")?.write_all(stdin)?;
    Ok(child.wait_with_output()?)
}

fn json(output: &Output) -> Result<Value> {
    ensure!(output.status.success(), "inspect failed: {}", String::from_utf8_lossy(&output.stderr));
    Ok(serde_json::from_slice(&output.stdout)?)
}

#[test]
fn inspect_shows_the_new_words_of_a_gmail_reply() -> Result<()> {
    let file = workspace_root().join("backend/tests/fixtures/email/gmail-fr-reply.eml");
    let read = json(&inspect(&[file.to_str().context("path")?], b"")?)?;
    assert_eq!(read["from"]["email"], "claire.dubois@gmail.com");
    assert_eq!(read["subject"], "Re: [VDE-2026-0142] Éclairage rue Pasteur");
    assert_eq!(read["message_id"], "<CAF7kq+3vZQ1hL2x0bq9Zk1WmQ@mail.gmail.com>");
    assert_eq!(read["in_reply_to"], "<20260302081412.4471@ville-exemple.fr>");
    assert_eq!(read["auto_submitted"], false);
    let body = read["body"].as_str().context("body")?;
    assert!(body.starts_with("Bonjour,\n\nC'est le lampadaire n° 4217"), "{body}");
    assert!(!body.contains("a écrit") && !body.contains("Nous avons bien reçu"), "{body}");
    Ok(())
}

#[test]
fn inspect_reads_standard_input_and_names_robots() -> Result<()> {
    let raw = std::fs::read(workspace_root().join("backend/tests/fixtures/email/auto-reply-exchange-fr.eml"))?;
    let read = json(&inspect(&["-"], &raw)?)?;
    assert_eq!(read["auto_submitted"], true);
    assert_eq!(read["robot"], "Auto-Submitted: auto-generated");

    let bare =
        json(&inspect(&[], "Toujours rien.\n\nOn Mon, 2 Mar 2026 at 09:14, M <m@x.fr> wrote:\n> Hi".as_bytes())?)?;
    assert_eq!(bare["body"], "Toujours rien.");
    assert_eq!(bare["from"], Value::Null);
    Ok(())
}

#[test]
fn inspect_refuses_an_empty_message_with_a_clear_error() -> Result<()> {
    let output = inspect(&["-"], b"")?;
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("the message is empty"), "{stderr}");
    Ok(())
}

#[test]
fn inspect_lists_the_attachments_it_would_refuse() -> Result<()> {
    let file = workspace_root().join("backend/tests/fixtures/email/gmail-fr-attachments.eml");
    let file = file.to_str().context("path")?;
    let read = json(&inspect(&[file, "--max-attachment-bytes", "16384", "--max-attachments", "1"], b"")?)?;
    let names = |key: &str| -> Vec<String> {
        read[key].as_array().into_iter().flatten().map(|a| format!("{} {}", a["name"], a["reason"])).collect()
    };
    assert_eq!(names("attachments"), ["\"IMG_20260306_135812.jpg\" null"]);
    assert_eq!(
        names("refused_attachments"),
        ["\"IMG_20260306_135840.jpg\" \"too_big\"", "\"Courrier syndic – mars.pdf\" \"too_many\""]
    );
    assert_eq!(read["attachments"][0]["size"], 3000);
    Ok(())
}
