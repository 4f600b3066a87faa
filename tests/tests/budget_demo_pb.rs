//! The demo's Pabulib files read by the reference tools (issue 15 item 5,
//! docs/plans/issue-15.md §5 "Demo files"): the real `mm-server --demo`,
//! every pool's `results.pb` of Siechnice's published 2025 edition fetched
//! over HTTP, and `tests/pabutools/check_files.py` run on them: pabutools'
//! `parse_pabulib` reads each, its outcome under the file's rule equals the
//! `selected` column, and pabulib-checker reports no error (its warnings
//! are printed). `MM_PABU_PYTHON` is the venv's python (`make test-rust`
//! and `make test-e2e` set it; `scripts/pabu-venv.sh` builds the venv);
//! without it the test passes with a note, unless `MM_REQUIRE_PABUTOOLS=1`.

use std::path::Path;
use std::time::Duration;

use anyhow::Result;
use mm_e2e::{DEMO_GMINA, Server};
use serde_json::Value;

#[test]
fn the_demos_published_pools_pass_pabutools_and_the_checker() -> Result<()> {
    let Some(python) = std::env::var_os("MM_PABU_PYTHON") else {
        assert!(
            std::env::var("MM_REQUIRE_PABUTOOLS").as_deref() != Ok("1"),
            "MM_REQUIRE_PABUTOOLS=1 but MM_PABU_PYTHON is not set (scripts/pabu-venv.sh builds the venv)"
        );
        eprintln!("note: MM_PABU_PYTHON is not set; the demo's .pb files are not checked with pabutools");
        return Ok(());
    };
    let dir = tempfile::tempdir()?;
    let server = Server::start(dir.path(), true)?;
    let http = reqwest::blocking::Client::builder().timeout(Duration::from_secs(30)).build()?;
    let get = |path: &str| http.get(format!("{}{path}", server.url)).header("MM-Gmina", DEMO_GMINA).send();

    let editions: Value = get("/api/v1/budget/editions")?.json()?;
    let edition = editions
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["year"] == 2025 && e["published_results"] == true)
        .unwrap_or_else(|| panic!("no published 2025 edition in the demo: {editions}"));
    let id = edition["id"].as_i64().unwrap();
    let pools = edition["pools"].as_array().unwrap();
    assert!(pools.len() >= 3, "the demo's three pools: {pools:?}");
    let files = tempfile::tempdir()?;
    let mut paths = Vec::new();
    for pool in pools {
        let pool = pool["id"].as_i64().unwrap();
        let r = get(&format!("/api/v1/budget/editions/{id}/pools/{pool}/results.pb"))?;
        assert_eq!(r.status().as_u16(), 200);
        let disposition = r.headers()["content-disposition"].to_str()?.to_owned();
        assert_eq!(disposition, format!("attachment; filename=\"{DEMO_GMINA}_2025_{pool}.pb\""));
        let path = files.path().join(format!("{DEMO_GMINA}_2025_{pool}.pb"));
        std::fs::write(&path, r.text()?)?;
        paths.push(path);
    }
    server.stop()?;

    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("pabutools/check_files.py");
    let out = std::process::Command::new(python).arg(script).args(&paths).output()?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("{stdout}");
    assert!(
        out.status.success(),
        "pabutools or the checker disagree with the demo's files:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(())
}
