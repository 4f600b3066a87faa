//! GeoReport v2's documents as typed records, written to JSON by
//! `serde_json` and to XML by [`super::xml`], borrowing from the reports
//! and categories they show.
//!
//! **Field order.** Each record lists its fields in alphabetical order:
//! the order they had when these documents were built as
//! `serde_json::Value` (a sorted map), so JSON and XML keep the same
//! bytes (the tests in this module compare them with that old form).

use std::fmt::{self, Display};

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use mm_protocol::reports::{AttributeType, CategoryAttribute, Report, ReportCategory};
use serde::{Serialize, Serializer};

/// Written through `Display`, without a `String` in between.
pub struct Text<T>(pub T);

impl<T: Display> Serialize for Text<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

/// A time as GeoReport v2 writes it: `2026-01-01T00:00:00+00:00`.
pub struct Iso(pub DateTime<Utc>);

impl Serialize for Iso {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0.to_rfc3339_opts(SecondsFormat::Secs, false))
    }
}

/// Two pieces of text written as one (a base URL and a path).
pub struct Joined<'a>(pub &'a str, pub &'a str);

impl Display for Joined<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)?;
        f.write_str(self.1)
    }
}

/// A photo's absolute URL with its gmina in the query (`?gmina=`): whoever
/// follows an Open311 `media_url` sends no `MM-Gmina` header.
pub struct PhotoUrl<'a> {
    pub base: &'a str,
    pub path: &'a str,
    pub gmina: &'a str,
}

impl Display for PhotoUrl<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}?gmina={}", self.base, self.path, self.gmina)
    }
}

/// `GET /open311/discovery`.
#[derive(Serialize)]
pub struct Discovery<'a> {
    pub changeset: &'a str,
    pub contact: &'a str,
    /// One per gmina of the deployment.
    pub endpoints: Vec<Endpoint<'a>>,
    pub key_service: &'a str,
}

#[derive(Serialize)]
pub struct Endpoint<'a> {
    pub changeset: &'a str,
    pub formats: [&'a str; 2],
    /// The gmina's TERYT code: the `jurisdiction_id` its requests carry
    /// (GeoReport v2 names a jurisdiction by this parameter; the endpoint
    /// list has no field for it, so this one is ours).
    pub jurisdiction_id: &'a str,
    pub specification: &'a str,
    #[serde(rename = "type")]
    pub kind: &'a str,
    pub url: Text<Joined<'a>>,
}

/// One entry of `services`: a report category.
#[derive(Serialize)]
pub struct Service<'a> {
    pub description: &'a str,
    pub group: &'a str,
    pub keywords: &'a str,
    /// Whether the service has attributes (a service definition).
    pub metadata: bool,
    pub service_code: &'a str,
    pub service_name: &'a str,
    #[serde(rename = "type")]
    pub kind: &'a str,
}

impl<'a> Service<'a> {
    pub fn of(c: &'a ReportCategory) -> Service<'a> {
        Service {
            description: &c.description_pl,
            group: "",
            keywords: "",
            metadata: !c.attributes.is_empty(),
            service_code: &c.id,
            service_name: &c.name_pl,
            kind: "realtime",
        }
    }
}

/// `GET /open311/v2/services/{code}`: the category's attributes.
#[derive(Serialize)]
pub struct ServiceDefinition<'a> {
    pub attributes: Vec<Attribute<'a>>,
    pub service_code: &'a str,
}

#[derive(Serialize)]
pub struct Attribute<'a> {
    pub code: &'a str,
    pub datatype: &'static str,
    pub datatype_description: &'a str,
    pub description: &'a str,
    pub order: usize,
    pub required: bool,
    /// Only a single choice has values.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<AttributeValue<'a>>>,
    pub variable: bool,
}

#[derive(Serialize)]
pub struct AttributeValue<'a> {
    pub key: &'a str,
    pub name: &'a str,
}

impl<'a> ServiceDefinition<'a> {
    pub fn of(c: &'a ReportCategory) -> ServiceDefinition<'a> {
        let attribute = |(i, a): (usize, &'a CategoryAttribute)| Attribute {
            code: &a.code,
            datatype: match a.datatype {
                AttributeType::String => "string",
                AttributeType::Number => "number",
                AttributeType::SingleChoice => "singlevaluelist",
            },
            datatype_description: &a.label_en,
            description: &a.label_pl,
            order: i + 1,
            required: a.required,
            values: (a.datatype == AttributeType::SingleChoice).then(|| {
                a.values
                    .iter()
                    .map(|v| AttributeValue {
                        key: &v.key,
                        name: &v.name_pl,
                    })
                    .collect()
            }),
            variable: true,
        };
        ServiceDefinition {
            attributes: c.attributes.iter().enumerate().map(attribute).collect(),
            service_code: &c.id,
        }
    }
}

/// One service request: a report in GeoReport v2's fields.
#[derive(Serialize)]
pub struct ServiceRequest<'a> {
    pub address: Option<&'a str>,
    /// Always null: we keep no address ids.
    pub address_id: (),
    pub agency_responsible: &'a str,
    pub description: &'a str,
    /// Created plus the category's target time.
    pub expected_datetime: Option<Iso>,
    pub lat: f64,
    pub long: f64,
    /// The first photo, absolute.
    pub media_url: Option<Text<PhotoUrl<'a>>>,
    pub requested_datetime: Iso,
    pub service_code: &'a str,
    pub service_name: &'a str,
    /// Always null.
    pub service_notice: (),
    pub service_request_id: Text<i64>,
    /// `open` or `closed`.
    pub status: &'static str,
    /// The latest public reply.
    pub status_notes: Option<&'a str>,
    pub updated_datetime: Iso,
    /// Always null.
    pub zipcode: (),
}

impl<'a> ServiceRequest<'a> {
    /// `category` is the report's, when it exists; `agency` names the
    /// town hall; `base` is the public URL that photo paths hang from,
    /// `gmina` the TERYT code of the report's gmina.
    pub fn of(
        r: &'a Report,
        category: Option<&'a ReportCategory>,
        agency: &'a str,
        base: &'a str,
        gmina: &'a str,
    ) -> ServiceRequest<'a> {
        ServiceRequest {
            address: r.address.as_deref(),
            address_id: (),
            agency_responsible: agency,
            description: &r.description,
            expected_datetime: category
                .and_then(|c| c.target_hours)
                .map(|h| Iso(r.created_at + Duration::hours(i64::from(h)))),
            lat: r.point.lat,
            long: r.point.lon,
            media_url: r.photos.first().map(|p| Text(PhotoUrl { base, path: &p.url, gmina })),
            requested_datetime: Iso(r.created_at),
            service_code: &r.category,
            service_name: category.map_or(&r.category, |c| &c.name_pl),
            service_notice: (),
            service_request_id: Text(r.id),
            status: if r.status.is_open() { "open" } else { "closed" },
            status_notes: r.history.iter().rev().find_map(|h| h.public_reply.as_deref()),
            updated_datetime: Iso(r.updated_at),
            zipcode: (),
        }
    }
}

/// `GET /open311/v2/tokens/{token}`.
#[derive(Serialize)]
pub struct TokenAnswer<'a> {
    pub service_request_id: Text<i64>,
    pub token: &'a str,
}

/// What `POST /open311/v2/requests` answers.
#[derive(Serialize)]
pub struct Posted {
    /// Always null: residents have no accounts.
    pub account_id: (),
    pub service_notice: &'static str,
    pub service_request_id: Text<i64>,
}

/// One entry of an Open311 error document.
#[derive(Serialize)]
pub struct ErrorEntry<'a> {
    pub code: u16,
    pub description: &'a str,
}

#[cfg(test)]
mod tests {
    //! The documents as they were built before issue 11 (a
    //! `serde_json::Value` per document, and a walker that wrote it as
    //! XML) are the oracle: the typed records must write the same bytes.

    use std::collections::BTreeMap;

    use chrono::TimeZone;
    use mm_protocol::geo::GeoPoint;
    use mm_protocol::reports::{PhotoRef, ReportStatus, StatusChange, Visibility};
    use proptest::prelude::*;
    use serde_json::{Value, json};

    use super::*;
    use crate::open311::xml;
    use crate::reports::model::default_categories;

    fn old_item_name(parent: &str) -> &'static str {
        match parent {
            "attributes" => "attribute",
            "values" => "value",
            "endpoints" => "endpoint",
            "formats" => "format",
            "services" => "service",
            "errors" => "error",
            _ => "request",
        }
    }

    fn old_escape(s: &str, out: &mut String) {
        for c in s.chars() {
            match c {
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '&' => out.push_str("&amp;"),
                '"' => out.push_str("&quot;"),
                '\'' => out.push_str("&apos;"),
                c if !mm_protocol::validation::is_xml_char(c) => {}
                c => out.push(c),
            }
        }
    }

    fn old_element(name: &str, v: &Value, out: &mut String) {
        out.push('<');
        out.push_str(name);
        out.push('>');
        match v {
            Value::Null => {}
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Number(n) => out.push_str(&n.to_string()),
            Value::String(s) => old_escape(s, out),
            Value::Array(items) => {
                let child = old_item_name(name);
                for i in items {
                    old_element(child, i, out);
                }
            }
            Value::Object(map) => {
                for (k, v) in map {
                    old_element(k, v, out);
                }
            }
        }
        out.push_str("</");
        out.push_str(name);
        out.push('>');
    }

    fn old_xml(root: &str, v: &Value) -> String {
        let mut out = String::from(xml::DECLARATION);
        old_element(root, v, &mut out);
        out
    }

    fn iso(t: DateTime<Utc>) -> String {
        t.to_rfc3339_opts(SecondsFormat::Secs, false)
    }

    fn old_request(
        r: &Report,
        cats: &BTreeMap<String, ReportCategory>,
        agency: &str,
        base: &str,
    ) -> Value {
        let cat = cats.get(&r.category);
        let notes = r.history.iter().rev().find_map(|h| h.public_reply.clone());
        let expected = cat
            .and_then(|c| c.target_hours)
            .map(|h| iso(r.created_at + Duration::hours(i64::from(h))));
        json!({
            "service_request_id": r.id.to_string(),
            "status": if r.status.is_open() { "open" } else { "closed" },
            "status_notes": notes,
            "service_name": cat.map(|c| c.name_pl.clone()).unwrap_or_else(|| r.category.clone()),
            "service_code": r.category,
            "description": r.description,
            "agency_responsible": agency,
            "service_notice": Value::Null,
            "requested_datetime": iso(r.created_at),
            "updated_datetime": iso(r.updated_at),
            "expected_datetime": expected,
            "address": r.address,
            "address_id": Value::Null,
            "zipcode": Value::Null,
            "lat": r.point.lat,
            "long": r.point.lon,
            "media_url": r.photos.first().map(|p| format!("{base}{}?gmina=0223083", p.url)),
        })
    }

    fn old_service(c: &ReportCategory) -> Value {
        json!({
            "service_code": c.id,
            "service_name": c.name_pl,
            "description": c.description_pl,
            "metadata": !c.attributes.is_empty(),
            "type": "realtime",
            "keywords": "",
            "group": "",
        })
    }

    fn old_definition(cat: &ReportCategory) -> Value {
        let attributes: Vec<Value> = cat
            .attributes
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let datatype = match a.datatype {
                    AttributeType::String => "string",
                    AttributeType::Number => "number",
                    AttributeType::SingleChoice => "singlevaluelist",
                };
                let mut v = json!({
                    "variable": true,
                    "code": a.code,
                    "datatype": datatype,
                    "required": a.required,
                    "datatype_description": a.label_en,
                    "order": i + 1,
                    "description": a.label_pl,
                });
                if a.datatype == AttributeType::SingleChoice {
                    v["values"] = a
                        .values
                        .iter()
                        .map(|x| json!({"key": x.key, "name": x.name_pl}))
                        .collect();
                }
                v
            })
            .collect();
        json!({"service_code": cat.id, "attributes": attributes})
    }

    /// Both formats write what the old form wrote.
    fn same_as_before(root: &str, old: &Value, new: &(impl Serialize + ?Sized)) {
        assert_eq!(serde_json::to_string(new).unwrap(), old.to_string(), "JSON of {root}");
        assert_eq!(xml::to_string(root, new).unwrap(), old_xml(root, old), "XML of {root}");
    }

    #[test]
    fn services_and_definitions_write_what_the_value_form_wrote() {
        let mut cats = default_categories();
        cats[0].name_pl = "Latarnia <&> \"'\u{1}".into();
        same_as_before(
            "services",
            &Value::Array(cats.iter().map(old_service).collect()),
            &cats.iter().map(Service::of).collect::<Vec<_>>(),
        );
        for c in &cats {
            same_as_before("service_definition", &old_definition(c), &ServiceDefinition::of(c));
        }
    }

    #[test]
    fn the_small_documents_write_what_the_value_form_wrote() {
        let base = "https://zgloszenia.example.pl";
        let changeset = "2026-01-01T00:00:00+00:00";
        let old = json!({
            "changeset": changeset,
            "contact": "Urząd Gminy — zgłoszenia przez aplikację mMieszkaniec",
            "key_service": "api_key = the device token from POST /api/v1/devices",
            "endpoints": [{
                "specification": "http://wiki.open311.org/GeoReport_v2",
                "url": format!("{base}/open311/v2"),
                "changeset": changeset,
                "type": "production",
                "formats": ["text/xml", "application/json"],
                "jurisdiction_id": "0223083",
            }],
        });
        let new = Discovery {
            changeset,
            contact: "Urząd Gminy — zgłoszenia przez aplikację mMieszkaniec",
            endpoints: vec![Endpoint {
                changeset,
                formats: ["text/xml", "application/json"],
                jurisdiction_id: "0223083",
                specification: "http://wiki.open311.org/GeoReport_v2",
                kind: "production",
                url: Text(Joined(base, "/open311/v2")),
            }],
            key_service: "api_key = the device token from POST /api/v1/devices",
        };
        same_as_before("discovery", &old, &new);
        same_as_before(
            "service_requests",
            &json!([{"service_request_id": "42", "token": "42"}]),
            &[TokenAnswer { service_request_id: Text(42), token: "42" }],
        );
        same_as_before(
            "service_requests",
            &json!([{"service_request_id": "7", "service_notice": "", "account_id": Value::Null}]),
            &[Posted { account_id: (), service_notice: "", service_request_id: Text(7) }],
        );
        same_as_before(
            "errors",
            &json!([{"code": 404, "description": "No service request <7> & \u{FFFE}."}]),
            &[ErrorEntry { code: 404, description: "No service request <7> & \u{FFFE}." }],
        );
    }

    fn status() -> impl Strategy<Value = ReportStatus> {
        use ReportStatus::*;
        prop::sample::select(vec![New, Accepted, InProgress, Resolved, Rejected, Duplicate])
    }

    fn time() -> impl Strategy<Value = DateTime<Utc>> {
        // 1970 to 2100, whole and fractional seconds.
        (0i64..4_102_444_800, 0u32..1_000_000_000)
            .prop_map(|(s, n)| Utc.timestamp_opt(s, n).unwrap())
    }

    fn report() -> impl Strategy<Value = Report> {
        (
            (any::<i64>(), prop::sample::select(vec!["street_lamp", "road_damage", "barrier", "other", "gone"])),
            (-90.0f64..90.0, prop_oneof![(-180i32..180).prop_map(f64::from), -180.0f64..180.0]),
            (prop::option::of(any::<String>()), any::<String>()),
            (status(), time(), time()),
            prop::collection::vec("[a-z0-9/]{0,20}", 0..3),
            prop::collection::vec(prop::option::of(any::<String>()), 0..4),
        )
            .prop_map(|((id, category), (lat, lon), (address, description), (status, created_at, updated_at), photos, replies)| Report {
                id,
                category: category.into(),
                point: GeoPoint { lat, lon },
                address,
                description,
                answers: BTreeMap::new(),
                status,
                created_at,
                updated_at,
                photos: photos.into_iter().map(|p| PhotoRef { id: p.clone(), url: format!("/api/v1/photos/{p}") }).collect(),
                history: replies
                    .into_iter()
                    .map(|public_reply| StatusChange { status, at: updated_at, public_reply })
                    .collect(),
                duplicate_of: None,
                case_reference: None,
                followers: 0,
                visibility: Visibility::Public,
            })
    }

    proptest! {
        #[test]
        fn service_requests_write_what_the_value_form_wrote(
            reports in prop::collection::vec(report(), 0..4),
            agency in any::<String>(),
            no_target in any::<bool>(),
        ) {
            let mut categories = default_categories();
            if no_target {
                categories[1].target_hours = None;
            }
            let by_id: BTreeMap<String, ReportCategory> =
                categories.iter().map(|c| (c.id.clone(), c.clone())).collect();
            let base = "http://127.0.0.1:8080";
            let old = Value::Array(reports.iter().map(|r| old_request(r, &by_id, &agency, base)).collect());
            let new: Vec<_> = reports
                .iter()
                .map(|r| ServiceRequest::of(r, by_id.get(&r.category), &agency, base, "0223083"))
                .collect();
            same_as_before("service_requests", &old, &new);
        }
    }
}
