//! The shipped completions and man page are what the binary generates now, and `--help` of
//! every subcommand matches its snapshot: a change of the command line that forgets to
//! regenerate them fails here. To regenerate after a reviewed change:
//! `WSPROBE_BLESS=1 cargo test shipped`.

use std::path::Path;

use crate::support::{wsprobe, Printed};

const FILES: &[(&[&str], &str)] = &[
    (&["completions", "bash"], "completions/wsprobe.bash"),
    (&["completions", "zsh"], "completions/_wsprobe"),
    (&["completions", "fish"], "completions/wsprobe.fish"),
    (&["completions", "elvish"], "completions/wsprobe.elv"),
    (&["completions", "powershell"], "completions/_wsprobe.ps1"),
    (&["man"], "man/wsprobe.1"),
    // The interface itself: any change of a flag or its help is a reviewed diff.
    (&["--help"], "tests/snapshots/help.txt"),
    (&["connect", "--help"], "tests/snapshots/connect-help.txt"),
    (&["listen", "--help"], "tests/snapshots/listen-help.txt"),
    (
        &["completions", "--help"],
        "tests/snapshots/completions-help.txt",
    ),
    (&["man", "--help"], "tests/snapshots/man-help.txt"),
    (&["ping", "--help"], "tests/snapshots/ping-help.txt"),
    (&["bench", "--help"], "tests/snapshots/bench-help.txt"),
    (&["check", "--help"], "tests/snapshots/check-help.txt"),
    (
        &["bench", "merge", "--help"],
        "tests/snapshots/bench-merge-help.txt",
    ),
];

#[test]
fn shipped_completions_and_man_page_are_current() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let bless = std::env::var_os("WSPROBE_BLESS").is_some();
    for (args, file) in FILES {
        let generated = wsprobe().args(*args).assert().success().stdout_bytes();
        assert!(!generated.is_empty(), "{args:?} printed nothing");
        let path = root.join(file);
        if bless {
            std::fs::write(&path, &generated).unwrap();
            continue;
        }
        let committed = std::fs::read(&path).unwrap_or_else(|e| {
            panic!("{file}: {e}; regenerate with WSPROBE_BLESS=1 cargo test shipped")
        });
        assert!(
            committed == generated,
            "{file} is stale; regenerate with WSPROBE_BLESS=1 cargo test shipped"
        );
    }
}

#[test]
fn man_page_has_exit_status_and_environment_sections() {
    let man = String::from_utf8(wsprobe().arg("man").assert().success().stdout_bytes()).unwrap();
    assert!(man.starts_with(".ie"), "not roff");
    assert!(man.contains(".SH \"EXIT STATUS\""));
    assert!(man.contains(".SH \"ENVIRONMENT\""));
    assert!(man.contains("NO_COLOR"));
    assert!(man.contains("WSPROBE CONNECT") && man.contains("WSPROBE LISTEN"));
}

#[test]
fn bash_completion_offers_subcommands_and_flags() {
    let bash = String::from_utf8(
        wsprobe()
            .args(["completions", "bash"])
            .assert()
            .success()
            .stdout_bytes(),
    )
    .unwrap();
    assert!(bash.contains("complete -F _wsprobe"));
    for word in ["connect", "listen", "--close-code", "--max-message-size"] {
        assert!(bash.contains(word), "{word} missing");
    }
}

#[test]
fn the_man_page_has_examples_json_keys_and_no_missing_pages() {
    let page = String::from_utf8(
        crate::support::wsprobe()
            .arg("man")
            .assert()
            .success()
            .get_output()
            .stdout
            .clone(),
    )
    .unwrap();
    for section in [
        ".SH \"EXAMPLES\"",
        ".SH \"JSON OUTPUT\"",
        ".SH \"EXIT STATUS\"",
        ".SH SUBCOMMANDS",
    ] {
        assert!(page.contains(section), "{section} missing");
    }
    assert!(page.contains("was_clean"), "the JSON keys are missing");
    assert!(page.contains("\\fB143\\fR"), "SIGTERM's status is missing");
    // Only pages that exist on every system are referred to.
    for reference in page
        .match_indices("(1)")
        .map(|(i, _)| &page[i.saturating_sub(20)..i])
    {
        assert!(
            reference.ends_with("timeout"),
            "a reference to a missing page: {reference}"
        );
    }
    assert!(!page.contains("wsprobe\\-connect(1)"));
}

/// What the shipped bash script completes for these words (the last is the one being typed).
fn bash_completes(words: &[&str]) -> Vec<String> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/completions/wsprobe.bash");
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let (cur, prev) = (words[words.len() - 1], words[words.len() - 2]);
    let program = format!(
        "source '{script}'; COMP_WORDS=({}); COMP_CWORD={}; _wsprobe wsprobe '{cur}' '{prev}'; \
         printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        quoted.join(" "),
        words.len() - 1
    );
    let out = std::process::Command::new("bash")
        .args(["--norc", "-c", &program])
        .output()
        .expect("bash runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn bash_completes_connect_flags_after_the_url_shorthand() {
    for url in ["ws://x", "wss://h/chat", "http://h:80/"] {
        let got = bash_completes(&["wsprobe", url, "--he"]);
        assert!(got.iter().any(|w| w == "--header"), "{url}: {got:?}");
    }
    let got = bash_completes(&["wsprobe", "--color", "never", "ws://x", "--no-d"]);
    assert_eq!(got, ["--no-deflate"]);
    // The subcommands themselves complete as before.
    assert!(bash_completes(&["wsprobe", "li"]).contains(&"listen".to_owned()));
    let got = bash_completes(&["wsprobe", "listen", "--tls-c"]);
    assert!(got.contains(&"--tls-client-ca".to_owned()), "{got:?}");
}
