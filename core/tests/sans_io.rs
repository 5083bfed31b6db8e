//! The core must stay sans-IO: no sockets, files, environment, clocks or OS randomness.

use std::path::Path;

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn core_sources_do_no_io() {
    const FORBIDDEN: &[&str] = &[
        "std::net",
        "std::fs",
        "std::env",
        "std::process",
        "std::thread::sleep",
        "Instant::now",
        "SystemTime::now",
        "thread_rng",
        "getrandom",
        "tokio::",
        "fastrand::u64(",
        "fastrand::Rng::new",
    ];
    let mut files = Vec::new();
    rust_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut files);
    assert!(files.len() > 10, "found only {} files", files.len());
    let mut hits = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            for word in FORBIDDEN {
                if code.contains(word) {
                    hits.push(format!("{}:{}: {}", f.display(), n + 1, line.trim()));
                }
            }
        }
    }
    assert!(hits.is_empty(), "I/O in the sans-IO core:\n{}", hits.join("\n"));
}
