//! Security review, finding 15, as the resident lives it: the real server
//! and the `mm` CLI on the core. An official withholds a report the
//! resident made; after a sync the resident still has it, whole, marked as
//! hidden from the public, and keeps hearing about its handling; another
//! resident's app loses it; published again, it comes back for everyone.

use anyhow::{Context, Result, ensure};
use mm_e2e::{Mm, Server, bin, reqwest};
use serde_json::{Value, json};

const LAT: &str = "51.0335";
const LON: &str = "17.15";
const SECRET: &str = "Latarnia nie świeci; proszę dzwonić do mnie, Anna Tajna, tel. 600 123 987.";

fn mine(mm: &Mm) -> Result<Value> {
    let all = mm.json(&["reports"])?;
    all.as_array()
        .context("a list")?
        .iter()
        .find(|m| m["description"] == SECRET)
        .cloned()
        .context("my report is listed")
}

/// Report ids `mm reports near` shows (the app's "near me", from its store).
fn near_ids(mm: &Mm) -> Result<Vec<i64>> {
    let near = mm.json(&["reports", "near", "--lat", LAT, "--lon", LON, "--radius", "1000"])?;
    Ok(near.as_array().context("a list")?.iter().filter_map(|r| r["id"].as_i64()).collect())
}

/// `mm report --local N` as a person reads it (no `--json`).
fn shown(mm: &Mm, local_id: &str) -> Result<String> {
    let out = std::process::Command::new(bin("mm"))
        .env("MM_GMINA", mm_e2e::DEMO_GMINA)
        .arg("--server")
        .arg(&mm.server)
        .arg("--data-dir")
        .arg(&mm.data_dir)
        .args(["report", "--local", local_id])
        .output()?;
    ensure!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    Ok(String::from_utf8(out.stdout)?)
}

#[test]
fn finding_15_the_resident_still_sees_their_hidden_report_through_the_core_and_others_do_not() -> Result<()> {
    let tmp = tempfile::tempdir()?;
    let server = Server::start(&tmp.path().join("server"), true)?;
    let resident = Mm::new(&tmp.path().join("resident"), &server.url);
    let neighbour = Mm::new(&tmp.path().join("neighbour"), &server.url);
    resident.json(&["sync"])?;
    neighbour.json(&["sync"])?;
    resident.json(&[
        "report", "new", "--category", "street_lamp", "--lat", LAT, "--lon", LON,
        "--description", SECRET, "--answer", "kind=not_lit", "--yes",
    ])?;
    resident.json(&["sync"])?;
    let made = mine(&resident)?;
    let id = made["server_id"].as_i64().context("sent")?;
    let local = made["local_id"].to_string();
    neighbour.json(&["sync"])?;
    ensure!(near_ids(&neighbour)?.contains(&id), "public at first");

    // A dispatcher hides it: the description holds the resident's phone.
    let disp = server.official("disp1", "dispatcher")?;
    let (status, body) = disp.request(
        reqwest::Method::POST,
        &format!("/api/v1/reports/{id}/visibility"),
        Some(json!({"visibility": "hidden", "reason": "Opis zawiera numer telefonu mieszkanki."})),
    )?;
    ensure!(status == 200, "{status} {body}");

    resident.json(&["sync"])?;
    neighbour.json(&["sync"])?;
    let m = mine(&resident)?;
    ensure!(m["report"]["visibility"] == "hidden", "the resident sees it marked: {m}");
    ensure!(m["report"]["description"] == SECRET && m["status"] == "new", "{m}");
    let text = shown(&resident, &local)?;
    ensure!(text.contains("ukryte przez urząd przed publicznym widokiem"), "{text}");
    ensure!(text.contains(SECRET), "{text}");
    ensure!(!near_ids(&resident)?.contains(&id), "not among the public reports near here, even on their phone");
    ensure!(!near_ids(&neighbour)?.contains(&id), "the neighbour's app dropped it");
    let neighbours = neighbour.run(&["report", &id.to_string()])?;
    ensure!(!String::from_utf8_lossy(&neighbours.stdout).contains("Anna Tajna"));

    // Handled while hidden: the resident hears about it (a notification
    // with the public reply), the neighbour does not see it.
    let (status, body) = disp.request(
        reqwest::Method::POST,
        &format!("/api/v1/reports/{id}/status"),
        Some(json!({"status": "accepted", "public_reply": "Przyjęte, ekipa wymieni oprawę."})),
    )?;
    ensure!(status == 200, "{status} {body}");
    resident.json(&["sync"])?;
    neighbour.json(&["sync"])?;
    let m = mine(&resident)?;
    ensure!(m["status"] == "accepted" && m["report"]["visibility"] == "hidden", "{m}");
    let notes = resident.json(&["notifications"])?;
    ensure!(
        notes.as_array().context("a list")?.iter().any(|n| n["body"].as_str().is_some_and(|b| b.contains("ekipa wymieni oprawę"))),
        "{notes}"
    );
    ensure!(!near_ids(&neighbour)?.contains(&id));

    // Published again: back for everyone, no longer marked.
    let (status, body) = disp.request(
        reqwest::Method::POST,
        &format!("/api/v1/reports/{id}/visibility"),
        Some(json!({"visibility": "public", "reason": "Mieszkanka zgodziła się na publikację."})),
    )?;
    ensure!(status == 200, "{status} {body}");
    resident.json(&["sync"])?;
    neighbour.json(&["sync"])?;
    let m = mine(&resident)?;
    ensure!(m["report"].get("visibility").is_none() && m["status"] == "accepted", "{m}");
    ensure!(!shown(&resident, &local)?.contains("ukryte przez urząd"));
    ensure!(near_ids(&neighbour)?.contains(&id) && near_ids(&resident)?.contains(&id));
    Ok(())
}
