//! Replays the fuzzing corpus and every crash found (issue 17) through
//! `mm_protocol::fuzzing`, on stable: `fuzz/corpus/<target>/*` and
//! `fuzz/regressions/<target>/*`. A target without a corpus fails, so none
//! drops out silently; `make fuzz` grows the corpus.

use std::path::{Path, PathBuf};

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz")
}

/// Every file of `dir`, sorted (none when it does not exist).
fn files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut v: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).filter(|p| p.is_file()).collect();
    v.sort();
    v
}

fn replay(targets: &[mm_protocol::fuzzing::Target], crate_path: &str) {
    let fuzz = fuzz_dir();
    for (name, run) in targets {
        assert!(fuzz.join("fuzz_targets").join(format!("{name}.rs")).is_file(), "fuzz/fuzz_targets/{name}.rs is missing");
        let corpus = files(&fuzz.join("corpus").join(name));
        assert!(!corpus.is_empty(), "fuzz/corpus/{name} has no seeds");
        for file in corpus.iter().chain(&files(&fuzz.join("regressions").join(name))) {
            let data = std::fs::read(file).unwrap();
            if let Err(panic) = std::panic::catch_unwind(|| run(&data)) {
                std::panic::resume_unwind(Box::new(format!("{}: {:?}", file.display(), panic.downcast_ref::<String>())));
            }
        }
    }
    // Every target file calling this crate is one of `targets`.
    for file in files(&fuzz.join("fuzz_targets")) {
        let text = std::fs::read_to_string(&file).unwrap();
        let name = file.file_stem().unwrap().to_str().unwrap();
        if text.contains(&format!("{crate_path}::fuzzing::")) {
            assert!(targets.iter().any(|(n, _)| *n == name), "{name} is not in {crate_path}::fuzzing::TARGETS");
        }
    }
}

#[test]
fn fuzz_corpus_and_regressions_replay() {
    replay(mm_protocol::fuzzing::TARGETS, "mm_protocol");
}
