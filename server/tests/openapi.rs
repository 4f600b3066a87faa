//! The OpenAPI document: parses with an independent parser and lists
//! every `/api/v1` route the app serves.

use crate::common;

use axum::http::StatusCode;
use common::TestApp;

/// Every route under /api/v1 (method, path). A route added to the app but
/// not here fails `document_lists_exactly_the_served_routes`.
const ROUTES: &[(&str, &str)] = &[
    ("post", "/api/v1/auth/login"),
    ("post", "/api/v1/auth/logout"),
    ("post", "/api/v1/devices"),
    ("get", "/api/v1/news"),
    ("post", "/api/v1/news"),
    ("get", "/api/v1/news/{id}"),
    ("put", "/api/v1/news/{id}"),
    ("delete", "/api/v1/news/{id}"),
    ("get", "/api/v1/events"),
    ("post", "/api/v1/events"),
    ("get", "/api/v1/events/{id}"),
    ("put", "/api/v1/events/{id}"),
    ("delete", "/api/v1/events/{id}"),
    ("get", "/api/v1/events/{id}.ics"),
    ("get", "/api/v1/event-categories"),
    ("post", "/api/v1/event-categories"),
    ("get", "/api/v1/calendar.ics"),
    ("get", "/api/v1/gmina"),
    ("get", "/api/v1/gminas"),
    ("get", "/api/v1/sync"),
    ("get", "/api/v1/audit"),
    ("get", "/api/v1/openapi.json"),
    ("get", "/api/v1/reports"),
    ("post", "/api/v1/reports"),
    ("get", "/api/v1/reports/near"),
    ("get", "/api/v1/reports/mine"),
    ("get", "/api/v1/reports/{id}"),
    ("post", "/api/v1/reports/{id}/follow"),
    ("delete", "/api/v1/reports/{id}/follow"),
    ("post", "/api/v1/reports/{id}/status"),
    ("post", "/api/v1/reports/{id}/visibility"),
    ("get", "/api/v1/reports/{id}/internal"),
    ("get", "/api/v1/report-categories"),
    ("post", "/api/v1/report-categories"),
    ("put", "/api/v1/report-categories/{id}"),
    // Local taxes and payments (issue 14).
    ("post", "/api/v1/taxes/link"),
    ("delete", "/api/v1/taxes/link"),
    ("delete", "/api/v1/taxes/link/{taxpayer}"),
    ("get", "/api/v1/taxes/taxpayers"),
    ("get", "/api/v1/taxes/liabilities"),
    ("get", "/api/v1/taxes/liabilities/{id}"),
    ("get", "/api/v1/taxes/rules"),
    ("post", "/api/v1/taxes/payments"),
    ("get", "/api/v1/taxes/payments/{id}"),
    ("get", "/api/v1/taxes/payments/{id}/receipt"),
    ("post", "/api/v1/payments/p24/status"),
    ("post", "/api/v1/photos"),
    ("get", "/api/v1/photos/{id}"),
    ("get", "/api/v1/places"),
    ("post", "/api/v1/places"),
    ("get", "/api/v1/places/{id}"),
    ("put", "/api/v1/places/{id}"),
    ("delete", "/api/v1/places/{id}"),
    ("post", "/api/v1/places/import"),
    ("get", "/api/v1/map/places.geojson"),
    ("get", "/api/v1/consultations"),
    ("get", "/api/v1/consultations/{id}"),
    ("post", "/api/v1/consultations/{id}/responses"),
    ("post", "/api/v1/consultations/{id}/sms-codes"),
    ("get", "/api/v1/consultations/{id}/summary"),
    ("get", "/api/v1/notifications/subscription"),
    ("put", "/api/v1/notifications/subscription"),
    ("put", "/api/v1/push/registration"),
    ("delete", "/api/v1/push/registration"),
    ("get", "/api/v1/notifications/feed"),
    ("post", "/api/v1/notifications/feed/read"),
    ("get", "/api/v1/notifications"),
    ("post", "/api/v1/notifications"),
    ("get", "/api/v1/waste/streets"),
    ("get", "/api/v1/waste/schedule"),
    ("get", "/api/v1/waste/schedule.ics"),
    ("get", "/api/v1/waste/dictionary"),
    ("get", "/api/v1/budget/editions"),
    ("get", "/api/v1/budget/editions/{id}"),
    ("get", "/api/v1/budget/editions/{id}/projects"),
    ("post", "/api/v1/budget/editions/{id}/projects"),
    ("get", "/api/v1/budget/projects/{id}"),
    ("post", "/api/v1/budget/projects/{id}/signatures"),
    ("post", "/api/v1/budget/projects/{id}/appeal"),
    ("post", "/api/v1/budget/editions/{id}/sms-codes"),
    ("post", "/api/v1/budget/editions/{id}/ballots"),
    ("get", "/api/v1/budget/editions/{id}/ballot"),
    ("put", "/api/v1/budget/editions/{id}/ballot"),
    ("get", "/api/v1/budget/editions/{id}/results"),
    ("get", "/api/v1/budget/editions/{id}/results.csv"),
    ("get", "/api/v1/budget/editions/{id}/results.json"),
    ("get", "/api/v1/budget/editions/{id}/pools/{pool}/results.pb"),
];

#[tokio::test]
async fn document_parses_with_an_independent_parser() {
    let t = TestApp::new().await;
    let r = t.get("/api/v1/openapi.json").await;
    assert_eq!(r.status, StatusCode::OK);
    let spec = oas3::from_json(r.text()).expect("a valid OpenAPI 3.1 document");
    assert!(spec.openapi.starts_with("3.1"));
    let schemes = &spec.components.as_ref().unwrap().security_schemes;
    assert!(schemes.contains_key("official") && schemes.contains_key("device"));
    let schemas = &spec.components.as_ref().unwrap().schemas;
    for s in [
        "ApiError",
        "News",
        "Event",
        "SyncPage",
        "RegisterDevice",
        "LoginResponse",
    ] {
        assert!(schemas.contains_key(s), "schema {s}");
    }
}

#[tokio::test]
async fn document_lists_exactly_the_served_routes() {
    let t = TestApp::new().await;
    let doc = t.get("/api/v1/openapi.json").await.json();
    let mut documented = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item
            .as_object()
            .unwrap()
            .keys()
            .filter(|k| *k != "parameters")
        {
            documented.push((method.clone(), path.clone()));
        }
    }
    let mut expected: Vec<(String, String)> = ROUTES
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    documented.sort();
    expected.sort();
    assert_eq!(documented, expected);

    // And the app serves each: no routing 404/405 (a handler's own 404 is JSON with a message).
    for (method, path) in ROUTES {
        let uri = path.replace("{id}", "1");
        let r = t.call(&method.to_uppercase(), &uri, None, None).await;
        assert_ne!(r.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {uri}");
        if r.status == StatusCode::NOT_FOUND {
            // Only "that entity does not exist" answers are allowed here.
            assert!(
                uri.contains("/1") || uri.ends_with("/gmina"),
                "{method} {uri} is not routed"
            );
        }
    }
}

/// Every `$ref` in `v`, as JSON pointers' last segments of `#/components/schemas/`.
fn schema_refs(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, v) in m {
                match (k.as_str(), v.as_str()) {
                    ("$ref", Some(r)) => out.push(r.to_owned()),
                    _ => schema_refs(v, out),
                }
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|v| schema_refs(v, out)),
        _ => {}
    }
}

/// Schemathesis found `GET /api/v1/waste/schedule`'s `building` parameter
/// pointing at `#/components/schemas/BuildingType`, which the document did
/// not have (utoipa collects only bodies' schemas): no client generator or
/// validator could load the operation.
#[tokio::test]
async fn every_reference_resolves() {
    let t = TestApp::new().await;
    let doc = t.get("/api/v1/openapi.json").await.json();
    let mut refs = Vec::new();
    schema_refs(&doc, &mut refs);
    assert!(!refs.is_empty());
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for r in refs {
        let name = r
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("a reference outside the schemas: {r}"));
        assert!(schemas.contains_key(name), "{r} points at nothing");
    }
}

/// Schemathesis found `GET /api/v1/waste/dictionary` answering
/// `"fraction": "paper"` where the schema allowed only the Rust names
/// (`"Paper"`): a fraction is its code on the wire.
#[tokio::test]
async fn fraction_is_documented_as_its_code() {
    use mm_protocol::waste::model::Fraction;
    let t = TestApp::new().await;
    let doc = t.get("/api/v1/openapi.json").await.json();
    let schema = &doc["components"]["schemas"]["Fraction"];
    assert_eq!(schema["type"], "string", "{schema}");
    assert!(schema.get("oneOf").is_none() && schema.get("enum").is_none(), "{schema}");
    let pattern = schema["pattern"].as_str().unwrap();
    for f in [
        Fraction::Mixed,
        Fraction::Paper,
        Fraction::Glass,
        Fraction::MetalsPlastics,
        Fraction::Bio,
        Fraction::Bulky,
        Fraction::Electronics,
        Fraction::Ash,
        Fraction::Textiles,
    ] {
        let code = serde_json::to_value(f).unwrap();
        let code = code.as_str().unwrap();
        assert!(
            pattern.contains(&format!("({code}|")) || pattern.contains(&format!("|{code}|")),
            "{code} not in {pattern}"
        );
    }
    let custom = serde_json::to_value(Fraction::Custom("choinki".into())).unwrap();
    assert!(custom.as_str().unwrap().starts_with("custom:") && pattern.contains("|custom:"));
}

/// Schemathesis found answers that come before the handler missing from
/// the operations: `MM-Gmina: 0000000` is 400 invalid_gmina, an unserved
/// gmina 404 unknown_gmina, on every gmina-scoped operation; a JSON body
/// without its content type 415, malformed 400, too large 413.
#[tokio::test]
async fn the_edge_answers_are_documented() {
    let t = TestApp::new().await;
    let doc = t.get("/api/v1/openapi.json").await.json();
    let deployment = ["/api/v1/gminas", "/api/v1/openapi.json", "/api/v1/auth/login"];
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap().iter().filter(|(k, _)| *k != "parameters") {
            let responses = op["responses"].as_object().unwrap();
            if !deployment.contains(&path.as_str()) {
                for s in ["400", "404"] {
                    assert!(responses.contains_key(s), "{method} {path} lacks {s}");
                }
            }
            if op["requestBody"]["content"].get("application/json").is_some() {
                for s in ["400", "413", "415"] {
                    assert!(responses.contains_key(s), "{method} {path} lacks {s}");
                }
            }
        }
    }
    // And the server does answer them.
    let r = t.get("/api/v1/news?gmina=0000000").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = t.call("POST", "/api/v1/auth/login", None, None).await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

/// Schemathesis (its `positive_data_acceptance` check) found
/// `GET /api/v1/reports/near` refused for a missing `lat` that the document
/// had as a path parameter: utoipa's `IntoParams` puts a struct's fields in
/// the path unless told `parameter_in = Query`, and 40 query parameters of
/// 21 operations were documented where no client would send them.
#[tokio::test]
async fn path_parameters_are_in_their_paths() {
    let t = TestApp::new().await;
    let doc = t.get("/api/v1/openapi.json").await.json();
    let mut query = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap().iter().filter(|(k, _)| *k != "parameters") {
            for p in op["parameters"].as_array().into_iter().flatten() {
                let name = p["name"].as_str().unwrap();
                match p["in"].as_str().unwrap() {
                    "path" => assert!(path.contains(&format!("{{{name}}}")), "{method} {path}: {name} is not in the path"),
                    "query" => query += 1,
                    _ => {}
                }
            }
        }
    }
    assert!(query >= 40, "{query} query parameters");
    let near = &doc["paths"]["/api/v1/reports/near"]["get"]["parameters"];
    let lat = near.as_array().unwrap().iter().find(|p| p["name"] == "lat").unwrap();
    assert_eq!((lat["in"].as_str(), lat["required"].as_bool()), (Some("query"), Some(true)));
}
