//! Open311 GeoReport v2: every endpoint in JSON and XML (XML read by an
//! independent parser), the filters, the error codes, and the spec's
//! required fields and types, checked by a table.

use crate::common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{Resp, TestApp};
use mm_protocol::auth::Role;
use mm_server::reports::ratelimit::Limits;
use serde_json::{Value, json};

async fn app() -> (TestApp, String) {
    let t = TestApp::new().await;
    mm_server::demo::load(t.store.as_ref(), t.state.clock.now())
        .await
        .unwrap();
    t.state.limits.configure(Limits {
        device_per_hour: 10_000,
        ip_per_hour: 10_000,
    });
    let r = t
        .call(
            "POST",
            "/api/v1/devices",
            None,
            Some(json!({"platform": "cli", "app_version": "1.0.0"})),
        )
        .await;
    let token = r.json()["token"].as_str().unwrap().to_owned();
    (t, token)
}

async fn post(t: &TestApp, ext: &str, form: &str) -> Resp {
    let req = Request::builder()
        .method("POST")
        .uri(format!("/open311/v2/requests.{ext}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("host", "gmina.example")
        .body(Body::from(form.to_owned()))
        .unwrap();
    t.send(req).await
}

fn lamp_form(token: &str) -> String {
    format!(
        "api_key={token}&service_code=street_lamp&lat=51.0335&long=17.15&address_string=ul.+Fabryczna+1&description=Latarnia+nie+%C5%9Bwieci+od+tygodnia&attribute%5Bkind%5D=not_lit&attribute%5Blamp_number%5D=12"
    )
}

#[derive(Clone, Copy, Debug)]
enum Ty {
    Str,
    OptStr,
    Num,
    Bool,
    Date,
    OptDate,
    Arr,
}

fn check_fields(what: &str, v: &Value, table: &[(&str, Ty)]) {
    for (name, ty) in table {
        let f = v
            .get(*name)
            .unwrap_or_else(|| panic!("{what}: missing {name}: {v}"));
        let ok = match ty {
            Ty::Str => f.is_string(),
            Ty::OptStr => f.is_string() || f.is_null(),
            Ty::Num => f.is_number(),
            Ty::Bool => f.is_boolean(),
            Ty::Date => f
                .as_str()
                .is_some_and(|s| chrono::DateTime::parse_from_rfc3339(s).is_ok()),
            Ty::OptDate => {
                f.is_null()
                    || f.as_str()
                        .is_some_and(|s| chrono::DateTime::parse_from_rfc3339(s).is_ok())
            }
            Ty::Arr => f.is_array(),
        };
        assert!(ok, "{what}: {name} should be {ty:?}: {f}");
    }
}

/// GeoReport v2 fields and their types.
const SERVICE: &[(&str, Ty)] = &[
    ("service_code", Ty::Str),
    ("service_name", Ty::Str),
    ("description", Ty::Str),
    ("metadata", Ty::Bool),
    ("type", Ty::Str),
    ("keywords", Ty::Str),
    ("group", Ty::Str),
];
const ATTRIBUTE: &[(&str, Ty)] = &[
    ("variable", Ty::Bool),
    ("code", Ty::Str),
    ("datatype", Ty::Str),
    ("required", Ty::Bool),
    ("datatype_description", Ty::Str),
    ("order", Ty::Num),
    ("description", Ty::Str),
];
const REQUEST: &[(&str, Ty)] = &[
    ("service_request_id", Ty::Str),
    ("status", Ty::Str),
    ("status_notes", Ty::OptStr),
    ("service_name", Ty::Str),
    ("service_code", Ty::Str),
    ("description", Ty::Str),
    ("agency_responsible", Ty::Str),
    ("service_notice", Ty::OptStr),
    ("requested_datetime", Ty::Date),
    ("updated_datetime", Ty::Date),
    ("expected_datetime", Ty::OptDate),
    ("address", Ty::OptStr),
    ("address_id", Ty::OptStr),
    ("zipcode", Ty::OptStr),
    ("lat", Ty::Num),
    ("long", Ty::Num),
    ("media_url", Ty::OptStr),
];
const POSTED: &[(&str, Ty)] = &[
    ("service_request_id", Ty::Str),
    ("service_notice", Ty::OptStr),
    ("account_id", Ty::OptStr),
];

fn xml_doc(r: &Resp) -> roxmltree::Document<'_> {
    assert!(
        r.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/xml")
    );
    roxmltree::Document::parse(std::str::from_utf8(&r.bytes).unwrap()).expect("well-formed XML")
}

fn child<'a>(n: roxmltree::Node<'a, 'a>, name: &str) -> Option<roxmltree::Node<'a, 'a>> {
    n.children().find(|c| c.has_tag_name(name))
}

fn xml_has(r: &Resp, root: &str, item: &str, fields: &[(&str, Ty)]) -> usize {
    let doc = xml_doc(r);
    assert_eq!(doc.root_element().tag_name().name(), root);
    let items: Vec<_> = doc
        .root_element()
        .children()
        .filter(|c| c.has_tag_name(item))
        .collect();
    for i in &items {
        for (f, _) in fields {
            assert!(child(*i, f).is_some(), "<{item}> lacks <{f}>");
        }
    }
    items.len()
}

#[tokio::test]
async fn every_endpoint_in_json_and_xml() {
    let (t, token) = app().await;
    for ext in ["json", "xml"] {
        let d = t.get(&format!("/open311/discovery.{ext}")).await;
        assert_eq!(d.status, StatusCode::OK);
        if ext == "json" {
            check_fields(
                "discovery",
                &d.json(),
                &[
                    ("changeset", Ty::Str),
                    ("contact", Ty::Str),
                    ("key_service", Ty::Str),
                    ("endpoints", Ty::Arr),
                ],
            );
            check_fields(
                "endpoint",
                &d.json()["endpoints"][0],
                &[
                    ("specification", Ty::Str),
                    ("url", Ty::Str),
                    ("changeset", Ty::Str),
                    ("type", Ty::Str),
                    ("formats", Ty::Arr),
                ],
            );
        } else {
            let doc = xml_doc(&d);
            let formats: Vec<_> = doc
                .descendants()
                .filter(|n| n.has_tag_name("format"))
                .filter_map(|n| n.text())
                .collect();
            assert_eq!(formats, ["text/xml", "application/json"]);
        }

        let s = t.get(&format!("/open311/v2/services.{ext}")).await;
        assert_eq!(s.status, StatusCode::OK);
        if ext == "json" {
            let v = s.json();
            assert_eq!(v.as_array().unwrap().len(), 4);
            for x in v.as_array().unwrap() {
                check_fields("service", x, SERVICE);
            }
            assert_eq!(v[0]["metadata"], true);
            assert_eq!(v[2]["metadata"], false);
        } else {
            assert_eq!(xml_has(&s, "services", "service", SERVICE), 4);
        }

        let def = t
            .get(&format!("/open311/v2/services/street_lamp.{ext}"))
            .await;
        assert_eq!(def.status, StatusCode::OK);
        if ext == "json" {
            let v = def.json();
            assert_eq!(v["service_code"], "street_lamp");
            for a in v["attributes"].as_array().unwrap() {
                check_fields("attribute", a, ATTRIBUTE);
            }
            assert_eq!(v["attributes"][0]["datatype"], "number");
            assert_eq!(v["attributes"][1]["datatype"], "singlevaluelist");
            assert_eq!(
                v["attributes"][1]["values"][0],
                json!({"key": "not_lit", "name": "Nie świeci"})
            );
        } else {
            let doc = xml_doc(&def);
            let keys: Vec<_> = doc
                .descendants()
                .filter(|n| n.has_tag_name("value"))
                .filter_map(|n| child(n, "key"))
                .filter_map(|k| k.text())
                .collect();
            assert_eq!(keys, ["not_lit", "flickers", "lit_by_day", "damaged_pole"]);
        }

        let p = post(&t, ext, &lamp_form(&token)).await;
        assert_eq!(p.status, StatusCode::CREATED, "{}", p.text());
        let id = if ext == "json" {
            check_fields("posted", &p.json()[0], POSTED);
            p.json()[0]["service_request_id"]
                .as_str()
                .unwrap()
                .to_owned()
        } else {
            assert_eq!(xml_has(&p, "service_requests", "request", POSTED), 1);
            let doc = xml_doc(&p);
            doc.descendants()
                .find(|n| n.has_tag_name("service_request_id"))
                .unwrap()
                .text()
                .unwrap()
                .to_owned()
        };
        // The Open311 request is an ordinary report.
        let app_view = t.get(&format!("/api/v1/reports/{id}")).await.json();
        assert_eq!(
            (
                app_view["category"].as_str(),
                app_view["answers"]["kind"].as_str()
            ),
            (Some("street_lamp"), Some("not_lit"))
        );

        let one = t.get(&format!("/open311/v2/requests/{id}.{ext}")).await;
        assert_eq!(one.status, StatusCode::OK);
        let tok = t.get(&format!("/open311/v2/tokens/{id}.{ext}")).await;
        assert_eq!(tok.status, StatusCode::OK);
        let list = t.get(&format!("/open311/v2/requests.{ext}")).await;
        if ext == "json" {
            let v = &one.json()[0];
            check_fields("request", v, REQUEST);
            assert_eq!(
                (v["status"].as_str(), v["service_name"].as_str()),
                (Some("open"), Some("Awaria latarni"))
            );
            assert_eq!(v["address"], "ul. Fabryczna 1");
            assert_eq!(tok.json()[0]["service_request_id"], id.as_str());
            for r in list.json().as_array().unwrap() {
                check_fields("request", r, REQUEST);
            }
        } else {
            assert_eq!(xml_has(&one, "service_requests", "request", REQUEST), 1);
            assert_eq!(
                xml_has(
                    &tok,
                    "service_requests",
                    "request",
                    &[("service_request_id", Ty::Str), ("token", Ty::Str)]
                ),
                1
            );
            assert_eq!(xml_has(&list, "service_requests", "request", REQUEST), 2);
        }
    }
}

#[tokio::test]
async fn filters_statuses_notes_and_media() {
    let (t, token) = app().await;
    let mut ids = vec![];
    for form in [
        lamp_form(&token),
        format!(
            "api_key={token}&service_code=other&lat=51.04&long=17.16&description=Przewr%C3%B3cone+drzewo+na+chodniku"
        ),
    ] {
        ids.push(
            post(&t, "json", &form).await.json()[0]["service_request_id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let disp = t.official(Role::Dispatcher).await;
    for s in ["accepted", "resolved"] {
        let r = t
            .call(
                "POST",
                &format!("/api/v1/reports/{}/status", ids[0]),
                Some(&disp),
                Some(json!({"status": s, "public_reply": format!("Status: {s}")})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK);
    }
    let get = |q: String| {
        let t = &t;
        async move {
            t.get(&format!("/open311/v2/requests.json?{q}"))
                .await
                .json()
        }
    };
    let ids_of = |v: Value| {
        v.as_array()
            .unwrap()
            .iter()
            .map(|r| r["service_request_id"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids_of(get("status=closed".into()).await), [ids[0].clone()]);
    assert_eq!(ids_of(get("status=open".into()).await), [ids[1].clone()]);
    assert_eq!(
        ids_of(get("service_code=other".into()).await),
        [ids[1].clone()]
    );
    assert_eq!(
        ids_of(get(format!("service_request_id={},{}", ids[0], ids[1])).await).len(),
        2
    );
    assert_eq!(
        ids_of(get("page=2&page_size=1".into()).await),
        [ids[0].clone()]
    );
    assert_eq!(
        ids_of(get("start_date=2099-01-01T00:00:00Z".into()).await).len(),
        0
    );
    assert_eq!(
        ids_of(get("end_date=2000-01-01T00:00:00%2B01:00".into()).await).len(),
        0
    );
    assert_eq!(
        ids_of(get("start_date=2000-01-01T00:00:00Z&end_date=2099-01-01T00:00:00Z".into()).await)
            .len(),
        2
    );
    let closed = &get(format!("service_request_id={}", ids[0])).await[0];
    assert_eq!(
        (closed["status"].as_str(), closed["status_notes"].as_str()),
        (Some("closed"), Some("Status: resolved"))
    );
}

#[tokio::test]
async fn errors_in_open311_format_with_400_403_404() {
    let (t, token) = app().await;
    let cases: Vec<(String, Option<String>, u16)> = vec![
        ("/open311/v2/services/ufo.json".into(), None, 404),
        ("/open311/v2/requests/999999.json".into(), None, 404),
        ("/open311/v2/tokens/nope.json".into(), None, 404),
        ("/open311/v2/requests.json?status=maybe".into(), None, 400),
        (
            "/open311/v2/requests.json?start_date=yesterday".into(),
            None,
            400,
        ),
        (
            "/open311/v2/requests.json?service_request_id=a,b".into(),
            None,
            400,
        ),
        (
            "/open311/v2/requests.json".into(),
            Some("service_code=street_lamp&lat=51.03&long=17.15".into()),
            403,
        ),
        (
            "/open311/v2/requests.json".into(),
            Some("api_key=wrong&service_code=street_lamp&lat=51.03&long=17.15".into()),
            403,
        ),
        (
            "/open311/v2/requests.json".into(),
            Some(format!(
                "api_key={token}&lat=51.03&long=17.15&description=Opis+problemu+tutaj"
            )),
            400,
        ),
        (
            "/open311/v2/requests.json".into(),
            Some(format!(
                "api_key={token}&service_code=other&description=Opis+problemu+tutaj"
            )),
            400,
        ),
        (
            "/open311/v2/requests.json".into(),
            Some(format!(
                "api_key={token}&service_code=ufo&lat=51.03&long=17.15&description=Opis+problemu+tutaj"
            )),
            400,
        ),
        (
            "/open311/v2/requests.json".into(),
            Some(format!(
                "api_key={token}&service_code=street_lamp&lat=51.0335&long=17.15&description=Opis+problemu+tutaj"
            )),
            400,
        ),
        // Outside the gmina (Warsaw).
        (
            "/open311/v2/requests.json".into(),
            Some(format!(
                "api_key={token}&service_code=other&lat=52.2297&long=21.0122&description=Opis+problemu+tutaj"
            )),
            400,
        ),
    ];
    for (uri, form, code) in cases {
        for ext in ["json", "xml"] {
            let uri = uri.replace(".json", &format!(".{ext}"));
            let r = match &form {
                None => t.get(&uri).await,
                Some(f) => post(&t, ext, f).await,
            };
            assert_eq!(r.status.as_u16(), code, "{uri} {form:?}: {}", r.text());
            if ext == "json" {
                let e = &r.json()[0];
                assert_eq!(e["code"], code);
                assert!(e["description"].as_str().is_some_and(|d| !d.is_empty()));
            } else {
                let doc = xml_doc(&r);
                assert_eq!(doc.root_element().tag_name().name(), "errors");
                let err = child(doc.root_element(), "error").unwrap();
                assert_eq!(
                    child(err, "code").unwrap().text(),
                    Some(code.to_string().as_str())
                );
                assert!(child(err, "description").unwrap().text().is_some());
            }
        }
    }
    let outside = post(&t, "json", &format!("api_key={token}&service_code=other&lat=52.2297&long=21.0122&description=Opis+problemu+tutaj")).await;
    assert!(
        outside.json()[0]["description"]
            .as_str()
            .unwrap()
            .contains("poza granicami gminy")
    );
    assert_eq!(
        t.get("/open311/v2/services.yaml").await.status,
        StatusCode::NOT_FOUND
    );
}
