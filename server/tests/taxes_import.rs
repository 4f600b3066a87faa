//! `mm-server taxes import FILE` and `mm-server taxes codes --out FILE.csv`
//! (docs/TAXES.md, "Import"), the real binary on the test backend's store:
//! a good file twice (the second time nothing changes), a bad file refused
//! whole with each bad row's line and reason and nothing changed, codes
//! written to an owner-only file that link, and no name, amount or code in
//! anything the commands print.

use crate::common;

use std::path::Path;
use std::process::{Command, Output};

use chrono::Utc;
use common::backend::{StoreGuard, open_store};
use mm_protocol::taxes::activation::normalise_code;
use mm_server::store::taxes::LinkOutcome;
use mm_server::taxes::codes::hash_code;

const NRB: &str = "61109010140000071219812874";
const SECRET_NAMES: [&str; 2] = ["Zofia Tajemnicza", "Kowalski"];

fn run(guard: &StoreGuard, dir: &Path, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_mm-server"));
    guard.point_at_database(&mut command);
    command.arg("--data-dir").arg(dir).args(args).env("RUST_BACKTRACE", "0").output().unwrap()
}

fn printed(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

fn good_csv() -> String {
    format!(
        "taxpayer_id,taxpayer_name,activation_code,liability_id,kind,year,instalment,decision,due_date,amount_grosze,account,payments\n\
         P1,Zofia Tajemnicza,,L1,property,2026,1,FN.1,2026-03-16,103700,{NRB},2026-03-10:50000\n\
         P1,Zofia Tajemnicza,,L2,property,2026,2,FN.1,2026-05-15,103700,{NRB},\n\
         P2,\"Kowalski, Jan\",,L3,waste_fee,2026,1,ODP.7,2026-01-15,4321,{NRB},\n"
    )
}

fn bad_json() -> String {
    let bad_nrb = format!("{}0", &NRB[..25]);
    let l = |id: &str, taxpayer: &str, kind: &str, due: &str, amount: &str, account: &str| {
        format!(
            "{{\"id\": \"{id}\", \"taxpayer\": \"{taxpayer}\", \"kind\": \"{kind}\", \"year\": 2026, \"instalment\": 1, \
             \"decision\": \"D\", \"due_date\": \"{due}\", \"amount_grosze\": {amount}, \"account\": \"{account}\"}}"
        )
    };
    [
        "{\"taxpayers\": [{\"id\": \"P3\", \"name\": \"Zofia Tajemnicza\"}],".to_owned(),
        "\"liabilities\": [".to_owned(),
        l("L10", "P3", "property", "2026-03-16", "100", NRB) + ",",
        l("L11", "P3", "property", "2026-03-16", "12.345", NRB) + ",",
        l("L12", "P3", "dog_tax", "2026-03-16", "100", NRB) + ",",
        l("L13", "P3", "property", "15.03.2026", "100", NRB) + ",",
        l("L14", "P3", "property", "2026-03-16", "100", &bad_nrb) + ",",
        l("L15", "NOBODY", "property", "2026-03-16", "100", NRB),
        "]}".to_owned(),
    ]
    .join("\n")
}

#[tokio::test]
async fn a_file_is_imported_once_a_bad_one_refused_whole_and_codes_go_to_an_owner_only_file() {
    let dir = tempfile::tempdir().unwrap();
    let (store, guard) = open_store(dir.path()).await;
    let files = tempfile::tempdir().unwrap();
    let good = files.path().join("register.csv");
    std::fs::write(&good, good_csv()).unwrap();
    let mut output = String::new();

    let first = run(&guard, dir.path(), &["taxes", "import", good.to_str().unwrap()]);
    output += &printed(&first);
    assert!(first.status.success(), "{}", printed(&first));
    assert!(
        String::from_utf8_lossy(&first.stdout).contains("taxpayers: 2 created, 0 updated; liabilities: 3 created"),
        "{}",
        printed(&first)
    );
    let again = run(&guard, dir.path(), &["taxes", "import", good.to_str().unwrap()]);
    output += &printed(&again);
    assert!(again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stdout)
            .contains("taxpayers: 0 created, 0 updated; liabilities: 0 created, 0 updated; 5 unchanged"),
        "{}",
        printed(&again)
    );

    // A bad file: refused whole, each bad row by line and reason.
    let bad = files.path().join("bad.json");
    std::fs::write(&bad, bad_json()).unwrap();
    let refused = run(&guard, dir.path(), &["taxes", "import", bad.to_str().unwrap()]);
    output += &printed(&refused);
    assert_eq!(refused.status.code(), Some(1), "{}", printed(&refused));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    for (line, why) in [
        (4, "amount_grosze must be an integer, not a fraction"),
        (5, "kind is not one of"),
        (6, "due_date is not an ISO date"),
        (7, "account is not a valid NRB"),
        (8, "taxpayer is neither in the file nor already imported"),
    ] {
        assert!(stderr.contains(&format!("line {line}: {why}")), "line {line} in {stderr}");
    }
    assert!(stderr.contains("nothing was changed"));
    let taxpayers = store.all_taxpayers().await.unwrap();
    assert_eq!(taxpayers.iter().map(|t| t.id.as_str()).collect::<Vec<_>>(), ["P1", "P2"], "P3 and L10 not imported");
    let runs = store.import_runs(10).await.unwrap();
    assert_eq!(runs.len(), 3);
    assert!(runs[0].refused && runs[0].errors.len() == 5 && runs[0].source == "file:bad.json", "{:?}", runs[0]);

    // Codes for letters: an owner-only file, one per taxpayer, never printed.
    let out = files.path().join("codes.csv");
    let codes = run(&guard, dir.path(), &["taxes", "codes", "--out", out.to_str().unwrap()]);
    output += &printed(&codes);
    assert!(codes.status.success(), "{}", printed(&codes));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&out).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let text = std::fs::read_to_string(&out).unwrap();
    let rows: Vec<&str> = text.lines().collect();
    assert_eq!(rows[0], "taxpayer_id,name,activation_code,valid_until");
    assert!(rows[2].starts_with("P2,\"Kowalski, Jan\","), "{}", rows[2]);
    let p2_code = rows[2].rsplit(',').nth(1).unwrap();
    let normalised = normalise_code(p2_code).unwrap();
    assert!(!output.contains(p2_code) && !output.contains(&normalised), "a code was printed");
    let hash = hash_code(store.gmina_scope(), &normalised);
    assert!(matches!(store.link_device("dev-1", &hash, Utc::now()).await.unwrap(), LinkOutcome::Linked(t) if t.id == "P2"));
    // Never overwritten.
    let twice = run(&guard, dir.path(), &["taxes", "codes", "--out", out.to_str().unwrap()]);
    output += &printed(&twice);
    assert!(!twice.status.success());
    assert_eq!(std::fs::read_to_string(&out).unwrap(), text);

    for secret in SECRET_NAMES.iter().copied().chain(["103700", "4321", "12.345", NRB]) {
        assert!(!output.contains(secret), "{secret} printed: {output}");
    }
}

#[tokio::test]
async fn an_unknown_gmina_is_refused_before_anything_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let (_store, guard) = open_store(dir.path()).await;
    let files = tempfile::tempdir().unwrap();
    let good = files.path().join("register.csv");
    std::fs::write(&good, good_csv()).unwrap();
    let o = run(&guard, dir.path(), &["taxes", "import", good.to_str().unwrap(), "--gmina", "0223032"]);
    assert!(!o.status.success());
    assert!(printed(&o).contains("no such gmina"), "{}", printed(&o));
}
