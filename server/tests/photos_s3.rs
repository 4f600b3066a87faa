//! Photos on an S3-compatible object store (`--photos s3://…`, issue 13:
//! several instances share one photo storage), against a real S3 server
//! started here: moto's stand-alone server (`moto_server`, PyPI `moto[server]`),
//! which `make test-s3` installs into `target/s3-venv`. Without it these
//! tests say so and pass, unless `MM_REQUIRE_S3` is set (`make test-s3`,
//! CI), when they fail.

use crate::common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use mm_server::blobs::PhotoStorage;
use mm_server::blobs::s3::{S3Photos, S3Settings};
use mm_server::maintenance::MaintenanceStore;
use mm_server::reports::model::PhotoMeta;
use mm_server::store::{ReportStore, SqliteStore};

/// A `moto_server` on a free loopback port, stopped on drop.
struct S3Server {
    child: Child,
    endpoint: String,
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `MM_MOTO_SERVER`, or the one `make test-s3` installs.
fn moto_server_path() -> PathBuf {
    std::env::var_os("MM_MOTO_SERVER").map(PathBuf::from).unwrap_or_else(|| {
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
        target.join("s3-venv/bin/moto_server")
    })
}

/// Starts the S3 server, or `None` (the test is then skipped) when there
/// is none and `MM_REQUIRE_S3` is unset.
async fn s3_server() -> Option<S3Server> {
    let required = std::env::var_os("MM_REQUIRE_S3").is_some_and(|v| !v.is_empty() && v != "0");
    let path = moto_server_path();
    if !path.exists() {
        assert!(!required, "MM_REQUIRE_S3 is set but {} is missing (make test-s3 installs it)", path.display());
        eprintln!("SKIPPED: no S3 server ({} missing; `make test-s3` installs it)", path.display());
        return None;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new(&path)
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", path.display()));
    let server = S3Server { child, endpoint: format!("http://127.0.0.1:{port}") };
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if client.get(&server.endpoint).send().await.is_ok() {
            return Some(server);
        }
        assert!(Instant::now() < deadline, "the S3 server did not answer within 30 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

impl S3Server {
    /// A new bucket (moto takes unsigned requests for this).
    async fn bucket(&self, name: &str) -> String {
        let r = reqwest::Client::new().put(format!("{}/{name}", self.endpoint)).send().await.unwrap();
        assert!(r.status().is_success(), "cannot create the bucket: {}", r.status());
        name.to_owned()
    }

    fn settings(&self) -> S3Settings {
        S3Settings {
            endpoint: Some(self.endpoint.clone()),
            region: Some("eu-central-1".into()),
            access_key_id: Some("mm-test".into()),
            secret_access_key: Some("mm-test-secret".into()),
            session_token: None,
        }
    }

    /// What `mm-server` reads (`blobs::s3`).
    fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("MM_S3_ENDPOINT", self.endpoint.clone()),
            ("MM_S3_REGION", "eu-central-1".into()),
            ("AWS_ACCESS_KEY_ID", "mm-test".into()),
            ("AWS_SECRET_ACCESS_KEY", "mm-test-secret".into()),
        ]
    }
}

#[tokio::test]
async fn objects_round_trip_and_a_missing_key_is_none() {
    let Some(s3) = s3_server().await else { return };
    let bucket = s3.bucket("mm-round-trip").await;
    let photos = S3Photos::new(&bucket, "siechnice/photos", s3.settings()).unwrap();
    photos.probe().await.unwrap();
    assert_eq!(photos.get("ab/ab12.jpg").await.unwrap(), None);
    assert!(!photos.exists("ab/ab12.jpg").await.unwrap());
    photos.put("ab/ab12.jpg", b"first".to_vec(), "image/jpeg").await.unwrap();
    photos.put("ab/ab12.jpg", b"second".to_vec(), "image/jpeg").await.unwrap();
    assert_eq!(photos.get("ab/ab12.jpg").await.unwrap().as_deref(), Some(&b"second"[..]));
    assert!(photos.exists("ab/ab12.jpg").await.unwrap());
    // Under the prefix, with its content type, as another S3 client sees
    // it; and not to anyone without the keys (photos show residents).
    use object_store::ObjectStore;
    let s = s3.settings();
    let other_client = object_store::aws::AmazonS3Builder::new()
        .with_bucket_name(&bucket)
        .with_endpoint(s.endpoint.unwrap())
        .with_region(s.region.unwrap())
        .with_access_key_id(s.access_key_id.unwrap())
        .with_secret_access_key(s.secret_access_key.unwrap())
        .with_allow_http(true)
        .build()
        .unwrap();
    let got = other_client.get(&"siechnice/photos/ab/ab12.jpg".into()).await.unwrap();
    assert_eq!(got.attributes.get(&object_store::Attribute::ContentType).map(|v| v.as_ref()), Some("image/jpeg"));
    assert_eq!(got.bytes().await.unwrap().as_ref(), b"second");
    let anonymous = reqwest::get(format!("{}/{bucket}/siechnice/photos/ab/ab12.jpg", s3.endpoint)).await.unwrap();
    assert_eq!(anonymous.status(), 403);
    photos.delete("ab/ab12.jpg").await.unwrap();
    photos.delete("ab/ab12.jpg").await.unwrap();
    assert_eq!(photos.get("ab/ab12.jpg").await.unwrap(), None);
    assert!(photos.put("../x", b"x".to_vec(), "image/jpeg").await.is_err());
    // Another bucket is another storage.
    let other = S3Photos::new("mm-no-such-bucket", "", s3.settings()).unwrap();
    let err = other.probe().await.unwrap_err().to_string();
    assert!(err.contains("s3://mm-no-such-bucket") && err.contains("does not work"), "{err}");
}

/// A small real JPEG.
fn jpeg(seed: u8) -> Vec<u8> {
    let img = image::RgbImage::from_fn(32, 24, |x, y| image::Rgb([seed, (x * 7) as u8, (y * 9) as u8]));
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90).encode_image(&img).unwrap();
    out
}

#[tokio::test]
async fn the_store_keeps_photo_bytes_in_the_bucket_and_maintenance_deletes_them() {
    if !common::backend::sqlite_only("the SQLite store over S3 photos (serve_postgres covers PostgreSQL's photos)") {
        return;
    }
    let Some(s3) = s3_server().await else { return };
    let bucket = s3.bucket("mm-store").await;
    let photos: Arc<dyn PhotoStorage> = Arc::new(S3Photos::new(&bucket, "p", s3.settings()).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open_with(dir.path(), photos.clone()).unwrap();
    let id = "ab".to_owned() + &"0".repeat(62);
    let meta = PhotoMeta {
        id: id.clone(),
        content_type: "image/jpeg".into(),
        bytes: 4,
        width: 1,
        height: 1,
        created_at: Utc::now() - chrono::Duration::days(10),
    };
    assert!(store.save_photo(meta, b"jpeg".to_vec()).await.unwrap());
    let key = format!("ab/{id}.jpg");
    assert_eq!(photos.get(&key).await.unwrap().as_deref(), Some(&b"jpeg"[..]));
    assert_eq!(store.photo(&id).await.unwrap().unwrap().1, b"jpeg");
    assert!(!dir.path().join("photos").exists(), "nothing on the local disk");
    // An orphan (no report names it) past its retention: row and object go.
    assert_eq!(store.collect_orphan_photos(Utc::now(), 100).await.unwrap(), 1);
    assert_eq!(photos.get(&key).await.unwrap(), None);
    assert!(store.photo(&id).await.unwrap().is_none());
}

/// A running `mm-server`, killed on drop.
struct Instance {
    child: Child,
    url: String,
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn mm_server(data_dir: &Path, args: &[&str], env: &[(&'static str, String)]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mm-server"));
    cmd.args(["--addr", "127.0.0.1:0", "--ezd", "off", "--data-dir"])
        .arg(data_dir)
        .args(args)
        .env("MM_LOG", "warn")
        .env("NO_COLOR", "1")
        .envs(env.iter().map(|(k, v)| (k, v)));
    cmd
}

fn start(data_dir: &Path, args: &[&str], env: &[(&'static str, String)]) -> Instance {
    let mut child = mm_server(data_dir, args, env)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let url = line.trim().strip_prefix("mm-server listening on ").unwrap_or_else(|| panic!("{line:?}")).to_owned();
    Instance { child, url }
}

#[tokio::test]
async fn a_photo_uploaded_to_one_instance_is_served_by_another_over_the_same_bucket() {
    if !common::backend::sqlite_only("the SQLite store over S3 photos (serve_postgres covers PostgreSQL's photos)") {
        return;
    }
    let Some(s3) = s3_server().await else { return };
    let bucket = s3.bucket("mm-instances").await;
    let dir = tempfile::tempdir().unwrap();
    let photos_arg = format!("s3://{bucket}/deployment-1");
    let args = ["--photos", photos_arg.as_str()];
    let env = s3.env();
    let first = start(dir.path(), &args, &env);
    let http = reqwest::Client::new();
    let device: serde_json::Value = http
        .post(format!("{}/api/v1/devices", first.url))
        .json(&serde_json::json!({"platform": "android", "app_version": "1.0.0"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = device["token"].as_str().unwrap();
    let upload = http
        .post(format!("{}/api/v1/photos", first.url))
        .bearer_auth(token)
        .header("content-type", "image/jpeg")
        .body(jpeg(40))
        .send()
        .await
        .unwrap();
    assert!(upload.status().is_success(), "{}", upload.status());
    let uploaded: serde_json::Value = upload.json().await.unwrap();
    let id = uploaded["photo_id"].as_str().unwrap().to_owned();
    let from_first = http.get(format!("{}/api/v1/photos/{id}", first.url)).send().await.unwrap();
    assert_eq!(from_first.status(), 200);
    let bytes = from_first.bytes().await.unwrap();
    assert!(bytes.starts_with(&[0xFF, 0xD8, 0xFF]), "a JPEG");
    // The bytes are in the bucket, under the prefix and the usual layout,
    // and not on this instance's disk.
    let object = S3Photos::new(&bucket, "deployment-1", s3.settings())
        .unwrap()
        .get(&mm_server::blobs::photo_key(&id, "image/jpeg"))
        .await
        .unwrap();
    assert_eq!(object.as_deref(), Some(bytes.as_ref()));
    assert!(!dir.path().join("photos").exists(), "nothing on the local disk");
    // A second instance over the same database and bucket serves it.
    let second = start(dir.path(), &args, &env);
    let from_second = http.get(format!("{}/api/v1/photos/{id}", second.url)).send().await.unwrap();
    assert_eq!(from_second.status(), 200);
    assert_eq!(from_second.bytes().await.unwrap(), bytes);
    // And nothing else does: the same database with its photos on the
    // local disk (the default) has no bytes for it.
    drop(first);
    drop(second);
    let local = start(dir.path(), &[], &[]);
    let from_local = http.get(format!("{}/api/v1/photos/{id}", local.url)).send().await.unwrap();
    assert!(from_local.status().is_server_error(), "{}", from_local.status());
}

#[test]
fn the_server_refuses_to_start_with_a_bad_photos_location() {
    let dir = tempfile::tempdir().unwrap();
    for (bad, says) in [
        ("s3://", "not a valid S3 bucket name"),
        ("gs://bucket/photos", "expected s3://BUCKET[/PREFIX] or a directory"),
        ("photos", "expected s3://BUCKET[/PREFIX] or a directory"),
    ] {
        let out = mm_server(dir.path(), &["--photos", bad], &[]).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{bad}: started");
        assert!(stderr.contains("--photos") && stderr.contains(says), "{bad}: {stderr}");
        assert!(out.stdout.is_empty(), "{bad}: it listened");
    }
    // A well-formed location that does not answer: refused at the start,
    // not at the first upload.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let env = [
        ("MM_S3_ENDPOINT", format!("http://127.0.0.1:{closed}")),
        ("AWS_ACCESS_KEY_ID", "k".to_owned()),
        ("AWS_SECRET_ACCESS_KEY", "s".to_owned()),
    ];
    let out = mm_server(dir.path(), &["--photos", "s3://mm-photos/x"], &env).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "started without its photo store");
    assert!(stderr.contains("cannot use the photo storage (--photos)") && stderr.contains("s3://mm-photos/x"), "{stderr}");
    assert!(out.stdout.is_empty(), "it listened");
}
