//! A fake EZD RP: the subset of the Integrator API v2 that `mm-server`
//! calls (`tests/fixtures/ezdrp-integrator-api-v2.subset.json`, extracted
//! from NASK's document by `tests/fixtures/extract-ezd-openapi.py`), plus the
//! SSO's `/connect/token`. It checks every request against that document
//! (path and method, `Authorization: Bearer` + `SID`, JSON bodies against the
//! component schemas, multipart parts) and records violations, and it fails
//! on demand: down (connection refused), 500s, slow answers, hangs, dropped
//! connections, a success whose response is lost. Cases can be closed,
//! suspended and resumed on demand.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

pub const SPEC: &str = include_str!("../fixtures/ezdrp-integrator-api-v2.subset.json");
const PREFIX: &str = "/ezdrp/integrator/v2";
pub const DEPARTMENT: &str = "GKM";

/// What the next requests to `/ezdrp/...` meet.
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    None,
    /// Every request answers 500 with problem details.
    Status500,
    /// Every request waits this long first.
    Slow(Duration),
    /// Every request hangs (the client times out).
    Hang,
    /// The connection is dropped before the request is handled.
    Drop,
    /// The next N requests whose path contains the text are carried out,
    /// then their answer is lost (the connection drops).
    LoseResponse { path_contains: String, remaining: u32 },
}

#[derive(Debug, Clone)]
pub struct RpwEntry {
    pub numer: u32,
    pub rok: i32,
    pub id_pismo: String,
    pub id_dokument: String,
    pub tytul: String,
    pub metadata: Option<Value>,
    pub zalaczniki: Vec<(String, usize)>,
}

#[derive(Debug, Clone)]
pub struct Case {
    pub id: String,
    pub tytul: String,
    pub jrwa: String,
    pub numer: u32,
    pub rok: i32,
    pub znak: String,
    pub status: i64,
    pub documents: Vec<String>,
}

#[derive(Default)]
struct St {
    fault: Option<Fault>,
    down: bool,
    tokens: HashSet<String>,
    documents: HashMap<String, (String, usize)>,
    rpw: Vec<RpwEntry>,
    cases: Vec<Case>,
    violations: Vec<String>,
    requests: Vec<(String, String)>,
    next_id: u64,
    /// `GET /sprawy/{id}` answers that replace the real one, by znak.
    case_answers: HashMap<String, CaseAnswer>,
}

pub struct FakeEzd {
    pub url: String,
    addr: SocketAddr,
    st: Arc<Mutex<St>>,
    spec: Arc<Value>,
    rt: tokio::runtime::Runtime,
    server: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

pub const PID: &str = "gmina-siechnice";
pub const AKI: &str = "klucz-1";
pub const API_KEY: &str = "tajny-klucz-api";
pub const SID: &str = "stanowisko-integracja";
pub const OBIEG: &str = "obieg-zgloszenia";

impl FakeEzd {
    pub fn start() -> FakeEzd {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
        let addr = listener.local_addr().unwrap();
        let fake = FakeEzd {
            url: format!("http://{addr}"),
            addr,
            st: Arc::new(Mutex::new(St::default())),
            spec: Arc::new(serde_json::from_str(SPEC).unwrap()),
            rt,
            server: Mutex::new(None),
        };
        fake.serve(listener);
        fake
    }

    fn serve(&self, listener: tokio::net::TcpListener) {
        let (st, spec) = (self.st.clone(), self.spec.clone());
        let app = axum::Router::new().fallback(move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
            let (st, spec) = (st.clone(), spec.clone());
            async move { handle(st, spec, method, uri, headers, body).await }
        });
        let h = self.rt.spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        *self.server.lock().unwrap() = Some(h);
    }

    /// Stops listening (connection refused) and drops open connections.
    pub fn down(&self) {
        self.st.lock().unwrap().down = true;
        if let Some(h) = self.server.lock().unwrap().take() {
            h.abort();
        }
        std::thread::sleep(Duration::from_millis(50));
    }

    pub fn up(&self) {
        let listener = self.rt.block_on(async {
            for _ in 0..100 {
                if let Ok(l) = tokio::net::TcpListener::bind(self.addr).await {
                    return l;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            panic!("cannot listen on {} again", self.addr)
        });
        self.st.lock().unwrap().down = false;
        self.serve(listener);
    }

    pub fn set_fault(&self, f: Fault) {
        self.st.lock().unwrap().fault = Some(f);
    }

    pub fn rpw(&self) -> Vec<RpwEntry> {
        self.st.lock().unwrap().rpw.clone()
    }

    pub fn cases(&self) -> Vec<Case> {
        self.st.lock().unwrap().cases.clone()
    }

    pub fn violations(&self) -> Vec<String> {
        self.st.lock().unwrap().violations.clone()
    }

    /// (method, path) of every request that reached the fake.
    pub fn requests(&self) -> Vec<(String, String)> {
        self.st.lock().unwrap().requests.clone()
    }

    /// Sets a case's `statusEnum` (3 suspended, 4 closed, 5 resumed).
    pub fn set_case_status(&self, znak: &str, status: i64) -> bool {
        let mut st = self.st.lock().unwrap();
        match st.cases.iter_mut().find(|c| c.znak == znak) {
            Some(c) => {
                c.status = status;
                true
            }
            None => false,
        }
    }

    /// Writes the credentials file `--ezd-credentials` reads.
    pub fn credentials_file(&self, dir: &Path) -> PathBuf {
        let p = dir.join("ezd-credentials.json");
        std::fs::write(&p, json!({"pid": PID, "aki": AKI, "api_key": API_KEY, "sid": SID, "obieg_id": OBIEG}).to_string()).unwrap();
        p
    }

    /// Validates one request against the document; the violations found.
    pub fn check(&self, method: &str, path: &str, headers: &HeaderMap, body: &[u8]) -> Vec<String> {
        let st = self.st.lock().unwrap();
        conformance(&self.spec, &st.tokens, method, path, headers, body)
    }
}

impl Drop for FakeEzd {
    fn drop(&mut self) {
        if let Some(h) = self.server.lock().unwrap().take() {
            h.abort();
        }
    }
}

fn lost() -> Response {
    // Headers go out, then the body fails: the client's read errors and the
    // connection is closed, as when a proxy or the network drops it.
    let stream = futures_util::stream::once(async { Err::<Bytes, std::io::Error>(std::io::Error::other("lost")) });
    Response::builder().status(200).body(Body::from_stream(stream)).unwrap()
}

fn problem(status: StatusCode, detail: &str) -> Response {
    let body = json!({"type": "about:blank", "title": detail, "status": status.as_u16(), "instance": "fake-ezd", "detail": detail});
    (status, [("content-type", "application/problem+json")], body.to_string()).into_response()
}

async fn handle(st: Arc<Mutex<St>>, spec: Arc<Value>, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let path = uri.path().to_owned();
    if path == "/connect/token" {
        return token(&st, &body);
    }
    let fault = {
        let mut s = st.lock().unwrap();
        if s.down {
            return lost();
        }
        s.requests.push((method.to_string(), path.clone()));
        let v = conformance(&spec, &s.tokens, method.as_str(), &path, &headers, &body);
        let bad_auth = v.iter().any(|x| x.contains("Bearer"));
        s.violations.extend(v.into_iter().map(|x| format!("{method} {path}: {x}")));
        if bad_auth {
            return problem(StatusCode::UNAUTHORIZED, "invalid token");
        }
        s.fault.clone().unwrap_or(Fault::None)
    };
    let mut lose = false;
    match &fault {
        Fault::None => {}
        Fault::Status500 => return problem(StatusCode::INTERNAL_SERVER_ERROR, "fake failure"),
        Fault::Slow(d) => tokio::time::sleep(*d).await,
        Fault::Hang => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
        }
        Fault::Drop => return lost(),
        Fault::LoseResponse { path_contains, .. } => {
            if path.contains(path_contains.as_str()) {
                let mut s = st.lock().unwrap();
                if let Some(Fault::LoseResponse { remaining, .. }) = s.fault.as_mut()
                    && *remaining > 0
                {
                    *remaining -= 1;
                    lose = true;
                }
            }
        }
    }
    let resp = route(&st, &method, &path, &uri, &headers, &body);
    if lose { lost() } else { resp }
}

fn token(st: &Arc<Mutex<St>>, body: &[u8]) -> Response {
    let form: HashMap<String, String> = form_urlencoded::parse(body).into_owned().collect();
    let f = |k: &str| form.get(k).cloned().unwrap_or_default();
    let expected_client = format!("api_{}", B64.encode(Sha256::digest(b"127.0.0.1")));
    let expected_akh = B64.encode(Sha256::digest(format!("{}{API_KEY}", f("rt")).as_bytes()));
    let ok = f("grant_type") == "api_credentials"
        && f("client_id") == expected_client
        && f("scope") == "api.ezdrp.gov.pl"
        && f("pid") == PID
        && f("aki") == AKI
        && f("rt").parse::<i64>().is_ok()
        && f("akh") == expected_akh;
    if !ok {
        return (StatusCode::BAD_REQUEST, axum::Json(json!({"error": "invalid_client"}))).into_response();
    }
    let t = uuid_like(st);
    st.lock().unwrap().tokens.insert(t.clone());
    axum::Json(json!({"access_token": t, "expires_in": 3600, "token_type": "Bearer"})).into_response()
}

fn uuid_like(st: &Arc<Mutex<St>>) -> String {
    let mut s = st.lock().unwrap();
    s.next_id += 1;
    format!("{:08x}-fake-{}", s.next_id * 2654435761 % 4294967296, s.next_id)
}

fn page_info(n: usize) -> Value {
    json!({"indexStart": 0, "indexEnd": n, "pageNumber": 1, "pageSize": n.max(1), "pagesCount": 1, "isNextPageExists": false})
}

fn route(st: &Arc<Mutex<St>>, method: &Method, path: &str, uri: &Uri, headers: &HeaderMap, body: &[u8]) -> Response {
    let Some(rest) = path.strip_prefix(PREFIX) else { return problem(StatusCode::NOT_FOUND, "no such path") };
    let seg: Vec<&str> = rest.trim_start_matches('/').split('/').collect();
    let json_body: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let now = chrono::Utc::now().to_rfc3339();
    let year = 2026.max(chrono::Datelike::year(&chrono::Utc::now()));
    let mut s = st.lock().unwrap();
    s.next_id += 1;
    let nid = s.next_id;
    match (method.as_str(), seg.as_slice()) {
        ("POST", ["rpw", "_search"]) => {
            let q = json_body["searchValue"].as_str().unwrap_or("").to_owned();
            let lista: Vec<Value> = s
                .rpw
                .iter()
                .filter(|e| q.is_empty() || e.tytul.contains(&q))
                .map(|e| {
                    json!({
                        "idRejestrPrzesylekWplywajacych": format!("rpw-{}", e.numer), "idPismo": e.id_pismo,
                        "numerRPW": format!("RPW/{}/{}", e.numer, e.rok), "znakNaPismie": "", "numerNadawczy": "",
                        "sposobDostarczenia": "elektronicznie", "dataRejestracji": now, "pracownikRejestrujacyImie": "Jan",
                        "pracownikRejestrujacyNazwisko": "Integrator", "pracownikRejestrujacyStanowisko": SID,
                        "pracownikRejestrujacyKomorkaOrganizacyjna": "Kancelaria", "pracownikRejestrujacySymbolKomorkaOrganizacyjna": "KAN",
                        "pelnaPrezentacja": e.tytul, "znakSprawy": "", "rodzajDokumentu": "zgłoszenie", "czyUsuniety": false,
                        "tytul": e.tytul, "typDokumentu": "pismo",
                        "zalaczniki": e.zalaczniki.iter().map(|(n, _)| json!({"nazwa": n, "idDokumentPrzestrzeni": format!("z-{n}")})).collect::<Vec<_>>(),
                        "nadawcy": [], "uwagi": "", "dataUtworzenia": now, "idPodmiotWlascicielBiznesowy": PID,
                        "sprawa": null, "pismo": null
                    })
                })
                .collect();
            let n = lista.len();
            axum::Json(json!({"lista": lista, "pageInfo": page_info(n)})).into_response()
        }
        ("POST", ["obiegi", _, "dokumenty"]) => {
            let parts = multipart(headers, body);
            let Some((_, name, bytes)) = parts.into_iter().find(|p| p.0 == "file") else {
                return problem(StatusCode::BAD_REQUEST, "file is required");
            };
            let id = format!("dok-{nid}");
            s.documents.insert(id.clone(), (name.unwrap_or_default(), bytes.len()));
            (StatusCode::CREATED, axum::Json(json!({"lista": [{"idDokument": format!("d{nid}"), "idDokumentPrzestrzeni": id, "idDokumentWersja": format!("w{nid}"), "idPrzestrzenRobocza": "p1"}]}))).into_response()
        }
        ("POST", ["dokumenty", id, "rpw"]) => {
            let Some((name, _)) = s.documents.get(*id).cloned() else { return problem(StatusCode::NOT_FOUND, "no such document") };
            let numer = s.rpw.iter().filter(|e| e.rok == year).count() as u32 + 1;
            s.rpw.push(RpwEntry { numer, rok: year, id_pismo: format!("pismo-{nid}"), id_dokument: id.to_string(), tytul: name, metadata: None, zalaczniki: vec![] });
            (StatusCode::CREATED, axum::Json(json!({"idPismo": format!("pismo-{nid}"), "numerRpw": format!("RPW/{numer}/{year}")}))).into_response()
        }
        ("PUT", ["rpw", n, r, "metadane"]) => match find_rpw(&mut s, n, r) {
            Some(e) => {
                e.metadata = Some(json_body);
                StatusCode::NO_CONTENT.into_response()
            }
            None => problem(StatusCode::NOT_FOUND, "no such RPW entry"),
        },
        ("POST", ["rpw", n, r, "zalaczniki"]) => {
            let parts = multipart(headers, body);
            let Some((_, name, bytes)) = parts.into_iter().find(|p| p.0 == "file") else {
                return problem(StatusCode::BAD_REQUEST, "file is required");
            };
            match find_rpw(&mut s, n, r) {
                Some(e) => {
                    e.zalaczniki.push((name.unwrap_or_default(), bytes.len()));
                    (StatusCode::CREATED, axum::Json(json!({}))).into_response()
                }
                None => problem(StatusCode::NOT_FOUND, "no such RPW entry"),
            }
        }
        ("POST", ["sprawy", "_search"]) => {
            let q = json_body["tytulSprawy"].as_str().unwrap_or("").to_owned();
            let lista: Vec<Value> = s.cases.iter().filter(|c| c.tytul.contains(&q)).map(case_json).collect();
            let n = lista.len();
            axum::Json(json!({"lista": lista, "pageInfo": page_info(n)})).into_response()
        }
        ("POST", ["sprawy"]) => {
            let jrwa = json_body["idWykaz"].as_str().unwrap_or("").to_owned();
            let rok = json_body["rokZalozenia"].as_i64().unwrap_or(year as i64) as i32;
            let numer = s.cases.iter().filter(|c| c.jrwa == jrwa && c.rok == rok).count() as u32 + 1;
            let c = Case {
                id: format!("sprawa-{nid}"),
                tytul: json_body["tytul"].as_str().unwrap_or("").to_owned(),
                znak: format!("{DEPARTMENT}.{jrwa}.{numer}.{rok}"),
                jrwa,
                numer,
                rok,
                status: 1,
                documents: vec![],
            };
            let out = json!({
                "idSprawa": c.id, "idPrzestrzenRobocza": "p1", "idJRWASchematWykaz": c.jrwa, "idPodteczka": "",
                "idStanowiskoInicjujacy": SID, "idJednostka": PID, "tytul": c.tytul, "kategoriaArchiwalna": json_body["kategoriaArchiwalna"],
                "znak": c.znak, "typProwadzenia": "elektroniczna", "rokZalozenia": c.rok, "terminZalatwienia": now,
                "numer": c.numer, "idPodmiotWlascicielBiznesowy": PID
            });
            s.cases.push(c);
            (StatusCode::CREATED, axum::Json(out)).into_response()
        }
        ("GET", ["sprawy", id, "dokumenty"]) => match s.cases.iter().find(|c| c.id == *id) {
            Some(c) => {
                let lista: Vec<Value> = c.documents.iter().map(|d| json!({"nazwa": d})).collect();
                let _ = uri;
                let n = lista.len();
                axum::Json(json!({"lista": lista, "pageInfo": page_info(n)})).into_response()
            }
            None => problem(StatusCode::NOT_FOUND, "no such case"),
        },
        ("POST", ["sprawy", id, "dokumenty"]) => {
            let parts = multipart(headers, body);
            match s.cases.iter_mut().find(|c| c.id == *id) {
                Some(c) => {
                    c.documents.extend(parts.into_iter().filter(|p| p.0 == "files").map(|p| p.1.unwrap_or_default()));
                    (StatusCode::CREATED, axum::Json(json!({"lista": [{"idDokument": format!("d{nid}"), "idDokumentPrzestrzeni": format!("dok-{nid}"), "idDokumentWersja": "w", "idPrzestrzenRobocza": "p1"}]}))).into_response()
                }
                None => problem(StatusCode::NOT_FOUND, "no such case"),
            }
        }
        ("GET", ["sprawy", id]) => match s.cases.iter().find(|c| c.id == *id) {
            Some(c) if s.case_answers.contains_key(&c.znak) => s.case_answers[&c.znak].respond(),
            Some(c) => axum::Json(case_json(c)).into_response(),
            None => problem(StatusCode::NOT_FOUND, "no such case"),
        },
        _ => problem(StatusCode::NOT_FOUND, "not in the fake"),
    }
}

fn case_json(c: &Case) -> Value {
    json!({
        "idSprawa": c.id, "tytul": c.tytul, "znak": c.znak, "status": c.status.to_string(), "statusEnum": c.status,
        "typProwadzenia": "elektroniczna", "rokZalozenia": c.rok, "terminZalatwienia": "2026-12-31T00:00:00Z",
        "czasRealizacjiDni": 30, "numer": c.numer, "doOdczytu": false, "czyUsuniety": false, "czyNoweAkta": false,
        "czyArchiwista": false, "czyDoPoprawy": false, "sprawaDodatkowyDostepEdycja": false, "listaDostepnychOperacji": [],
        "czySprawaUdostepniona": false, "noweZadania": false, "typObiektuWyroznika": 1, "nadawcy": [],
        "idPrzestrzenRobocza": "p1", "idJRWASchematWykaz": c.jrwa, "idStanowiskoInicjujacy": SID,
        "idStanowiskoProwadzacy": SID, "idJednostka": PID, "kategoriaArchiwalna": "B5", "udostepnieniaSprawy": [],
        "listaIdPrzestrzeniSprawy": [], "listaIdStanowiskoUdostepnione": [], "idPodmiotWlascicielBiznesowy": PID
    })
}

fn find_rpw<'a>(s: &'a mut St, n: &str, r: &str) -> Option<&'a mut RpwEntry> {
    s.rpw.iter_mut().find(|e| e.numer.to_string() == n && e.rok.to_string() == r)
}

/// (name, file name, bytes) of each part of a multipart/form-data body.
pub fn multipart(headers: &HeaderMap, body: &[u8]) -> Vec<(String, Option<String>, Vec<u8>)> {
    let ct = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("");
    let Some(boundary) = ct.split("boundary=").nth(1).map(|b| b.trim_matches('"').to_owned()) else { return vec![] };
    let delim = format!("--{boundary}").into_bytes();
    let mut out = vec![];
    let mut pos = 0;
    let find = |hay: &[u8], needle: &[u8], from: usize| hay[from..].windows(needle.len()).position(|w| w == needle).map(|p| p + from);
    while let Some(start) = find(body, &delim, pos) {
        let after = start + delim.len();
        if body[after..].starts_with(b"--") {
            break;
        }
        let Some(head_end) = find(body, b"\r\n\r\n", after) else { break };
        let head = String::from_utf8_lossy(&body[after..head_end])
            .lines()
            .find(|l| l.to_ascii_lowercase().starts_with("content-disposition"))
            .unwrap_or("")
            .to_owned();
        let Some(next) = find(body, &delim, head_end + 4) else { break };
        let data = body[head_end + 4..next.saturating_sub(2)].to_vec();
        let attr = |k: &str| head.split(';').find_map(|p| p.trim().strip_prefix(&format!("{k}=\"")).map(|v| v.trim_end_matches(['"', '\r', '\n']).to_owned()));
        if let Some(name) = attr("name") {
            out.push((name, attr("filename"), data));
        }
        pos = next;
    }
    out
}

/// The request against the document: the path template and method exist,
/// the security headers are there, and the body fits the schema.
pub fn conformance(spec: &Value, tokens: &HashSet<String>, method: &str, path: &str, headers: &HeaderMap, body: &[u8]) -> Vec<String> {
    let mut v = vec![];
    let Some(op) = spec["paths"].as_object().and_then(|paths| {
        paths.iter().find(|(tpl, _)| template_matches(tpl, path)).and_then(|(_, item)| item.get(method.to_lowercase()))
    }) else {
        return vec![format!("no operation {method} {path} in the document")];
    };
    // Security: every scheme in the document's `security` (Bearer and SID).
    match headers.get("authorization").and_then(|h| h.to_str().ok()).and_then(|h| h.strip_prefix("Bearer ")) {
        Some(t) if tokens.contains(t) => {}
        _ => v.push("Authorization: Bearer with an issued token is missing".into()),
    }
    for scheme in spec["components"]["securitySchemes"].as_object().into_iter().flatten() {
        if scheme.1["type"] == "apiKey" && scheme.1["in"] == "header" {
            let name = scheme.1["name"].as_str().unwrap_or("");
            if headers.get(name).is_none_or(|h| h.is_empty()) {
                v.push(format!("header {name} is missing"));
            }
        }
    }
    if let Some(rb) = op.get("requestBody") {
        let ct = headers.get("content-type").and_then(|h| h.to_str().ok()).unwrap_or("");
        let media = ct.split(';').next().unwrap_or("").trim();
        match rb["content"].get(media) {
            None => v.push(format!("content type {media:?} not in the document")),
            Some(m) if media == "application/json" => match serde_json::from_slice::<Value>(body) {
                Ok(j) => validate(spec, &m["schema"], &j, "body", &mut v),
                Err(e) => v.push(format!("body is not JSON: {e}")),
            },
            Some(m) => {
                let parts = multipart(headers, body);
                let schema = resolve(spec, &m["schema"]);
                for req in schema["required"].as_array().into_iter().flatten() {
                    let req = req.as_str().unwrap_or("");
                    if !parts.iter().any(|p| p.0 == req) {
                        v.push(format!("multipart part {req:?} is missing"));
                    }
                }
                for p in &parts {
                    if schema["properties"].get(&p.0).is_none() {
                        v.push(format!("multipart part {:?} is not in the schema", p.0));
                    }
                }
            }
        }
    }
    v
}

fn template_matches(tpl: &str, path: &str) -> bool {
    let (a, b): (Vec<&str>, Vec<&str>) = (tpl.split('/').collect(), path.split('/').collect());
    a.len() == b.len() && a.iter().zip(&b).all(|(t, p)| (t.starts_with('{') && !p.is_empty()) || t == p)
}

fn resolve<'a>(spec: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(|r| r.as_str()) {
        Some(r) => {
            let name = r.rsplit('/').next().unwrap_or("");
            resolve(spec, &spec["components"]["schemas"][name])
        }
        None => schema,
    }
}

/// A JSON Schema check of the subset OpenAPI 3.0 uses here: $ref, allOf,
/// nullable, type, required, properties, additionalProperties: false,
/// items, enum, maxLength, int32.
pub fn validate(spec: &Value, schema: &Value, value: &Value, at: &str, out: &mut Vec<String>) {
    let schema = resolve(spec, schema);
    if value.is_null() {
        if schema["nullable"] == true || schema.get("type").is_none() && schema.get("allOf").is_none() {
            return;
        }
        out.push(format!("{at}: null where not nullable"));
        return;
    }
    for part in schema["allOf"].as_array().into_iter().flatten() {
        validate(spec, part, value, at, out);
    }
    if let Some(e) = schema["enum"].as_array()
        && !e.contains(value)
    {
        out.push(format!("{at}: {value} not in {e:?}"));
    }
    match schema["type"].as_str() {
        Some("object") => {
            let Some(obj) = value.as_object() else { return out.push(format!("{at}: expected an object")) };
            for r in schema["required"].as_array().into_iter().flatten() {
                let r = r.as_str().unwrap_or("");
                if !obj.contains_key(r) {
                    out.push(format!("{at}.{r}: required"));
                }
            }
            let props = schema["properties"].as_object();
            for (k, val) in obj {
                match props.and_then(|p| p.get(k)) {
                    Some(ps) => validate(spec, ps, val, &format!("{at}.{k}"), out),
                    None if schema["additionalProperties"] == false => out.push(format!("{at}.{k}: not in the schema")),
                    None => {}
                }
            }
        }
        Some("array") => match value.as_array() {
            Some(items) => {
                for (i, it) in items.iter().enumerate() {
                    validate(spec, &schema["items"], it, &format!("{at}[{i}]"), out);
                }
            }
            None => out.push(format!("{at}: expected an array")),
        },
        Some("string") => match value.as_str() {
            Some(s) => {
                if let Some(max) = schema["maxLength"].as_u64()
                    && s.chars().count() as u64 > max
                {
                    out.push(format!("{at}: longer than {max}"));
                }
                if schema["format"] == "date-time" && chrono::DateTime::parse_from_rfc3339(s).is_err() && chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_err() {
                    out.push(format!("{at}: not a date-time"));
                }
            }
            None => out.push(format!("{at}: expected a string")),
        },
        Some("integer") => match value.as_i64() {
            Some(n) if schema["format"] == "int32" && i32::try_from(n).is_err() => out.push(format!("{at}: not an int32")),
            Some(_) => {}
            None => out.push(format!("{at}: expected an integer")),
        },
        Some("number") if !value.is_number() => out.push(format!("{at}: expected a number")),
        Some("boolean") if !value.is_boolean() => out.push(format!("{at}: expected a boolean")),
        _ => {}
    }
}

/// How `GET /sprawy/{id}` answers for one case, whatever its state.
#[derive(Debug, Clone, PartialEq)]
pub enum CaseAnswer {
    /// 404 problem details: the case was deleted in the EZD.
    NotFound,
    /// 200 with an HTML page (a proxy's maintenance page), not JSON.
    Html(String),
}

impl CaseAnswer {
    fn respond(&self) -> Response {
        match self {
            CaseAnswer::NotFound => problem(StatusCode::NOT_FOUND, "Sprawa nie istnieje"),
            CaseAnswer::Html(page) => (StatusCode::OK, [("content-type", "text/html")], page.clone()).into_response(),
        }
    }
}

impl FakeEzd {
    /// From now on the case answers `answer` instead of its state;
    /// `None` restores the real answer.
    pub fn set_case_answer(&self, znak: &str, answer: Option<CaseAnswer>) {
        let mut st = self.st.lock().unwrap();
        match answer {
            Some(a) => st.case_answers.insert(znak.to_owned(), a),
            None => st.case_answers.remove(znak),
        };
    }

    /// How many times the case's status was asked for (`GET /sprawy/{id}`).
    pub fn case_polls(&self, znak: &str) -> usize {
        let st = self.st.lock().unwrap();
        let Some(id) = st.cases.iter().find(|c| c.znak == znak).map(|c| c.id.clone()) else { return 0 };
        let path = format!("{PREFIX}/sprawy/{id}");
        st.requests.iter().filter(|(m, p)| m == "GET" && *p == path).count()
    }
}
