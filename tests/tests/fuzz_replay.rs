//! Replays the fuzzing corpus and every crash found (issue 17) on stable,
//! through the `fuzzing` module of the crate each target calls:
//! `fuzz/corpus/<target>/*` and `fuzz/regressions/<target>/*`. A target
//! without seeds fails, and so does a file of `fuzz/fuzz_targets/` in no
//! crate's `TARGETS`, so none drops out silently; `make fuzz` grows the
//! corpus. Here, in the one test crate that depends on all three.

use std::path::{Path, PathBuf};

use mm_protocol::fuzzing::Target;

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

/// Runs every seed and regression of each target; returns how many.
fn replay(targets: &[Target]) -> usize {
    let fuzz = fuzz_dir();
    let mut inputs = 0;
    for (name, run) in targets {
        assert!(fuzz.join("fuzz_targets").join(format!("{name}.rs")).is_file(), "fuzz/fuzz_targets/{name}.rs is missing");
        let corpus = files(&fuzz.join("corpus").join(name));
        assert!(!corpus.is_empty(), "fuzz/corpus/{name} has no seeds");
        for file in corpus.iter().chain(&files(&fuzz.join("regressions").join(name))) {
            let data = std::fs::read(file).unwrap();
            if let Err(panic) = std::panic::catch_unwind(|| run(&data)) {
                std::panic::resume_unwind(Box::new(format!("{}: {:?}", file.display(), panic.downcast_ref::<String>())));
            }
            inputs += 1;
        }
    }
    inputs
}

#[test]
fn protocol_targets_replay() {
    assert!(replay(mm_protocol::fuzzing::TARGETS) > 0);
}

#[test]
fn core_targets_replay() {
    assert!(replay(mm_core::fuzzing::TARGETS) > 0);
}

#[test]
fn server_targets_replay() {
    assert!(replay(mm_server::fuzzing::TARGETS) > 0);
}

#[test]
fn every_target_file_is_in_one_crates_list() {
    let lists = [mm_protocol::fuzzing::TARGETS, mm_core::fuzzing::TARGETS, mm_server::fuzzing::TARGETS];
    for file in files(&fuzz_dir().join("fuzz_targets")) {
        let name = file.file_stem().unwrap().to_str().unwrap();
        let found = lists.iter().filter(|l| l.iter().any(|(n, _)| *n == name)).count();
        assert_eq!(found, 1, "fuzz/fuzz_targets/{name}.rs is in {found} crates' TARGETS, not one");
    }
}
