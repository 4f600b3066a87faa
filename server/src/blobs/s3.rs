//! Photos on an S3-compatible object store (AWS S3, MinIO, Garage, Ceph
//! RGW, ...), through Apache Arrow's `object_store`.
//!
//! Configured by the environment, like every S3 tool:
//! - `MM_S3_ENDPOINT`: the store's URL, e.g. `http://minio.internal:9000`;
//!   requests are then path-style (`ENDPOINT/BUCKET/KEY`), which self-hosted
//!   stores expect. Without it: AWS, virtual-hosted style.
//! - `MM_S3_REGION` (default `us-east-1`, which most self-hosted stores accept);
//! - `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` (and `AWS_SESSION_TOKEN`);
//!   without them the AWS instance's role is asked.
//!
//! Keys are `PREFIX/ab/<id>.jpg`, the layout of the local directory.

use std::time::Duration;

use async_trait::async_trait;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path;
use object_store::{Attribute, Attributes, ClientOptions, ObjectStore, PutOptions, PutPayload, RetryConfig};

use super::{PhotoStorage, check_key};
use crate::store::{StoreError, StoreResult};

pub const ENDPOINT_ENV: &str = "MM_S3_ENDPOINT";
pub const REGION_ENV: &str = "MM_S3_REGION";

pub struct S3Photos {
    store: AmazonS3,
    bucket: String,
    prefix: String,
}

/// How to reach the object store: from the environment in `mm-server`
/// ([`S3Settings::from_env`]), spelled out in tests.
#[derive(Debug, Clone, Default)]
pub struct S3Settings {
    /// `MM_S3_ENDPOINT`; `None`: AWS.
    pub endpoint: Option<String>,
    /// `MM_S3_REGION`; `None`: `us-east-1`.
    pub region: Option<String>,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    pub session_token: Option<String>,
}

impl S3Settings {
    pub fn from_env() -> S3Settings {
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        S3Settings {
            endpoint: env(ENDPOINT_ENV),
            region: env(REGION_ENV),
            access_key_id: env("AWS_ACCESS_KEY_ID"),
            secret_access_key: env("AWS_SECRET_ACCESS_KEY"),
            session_token: env("AWS_SESSION_TOKEN"),
        }
    }
}

impl S3Photos {
    /// The client for `bucket` under `prefix`, configured from the
    /// environment (see the module's doc). Makes no request.
    pub fn from_env(bucket: &str, prefix: &str) -> anyhow::Result<S3Photos> {
        Self::new(bucket, prefix, S3Settings::from_env())
    }

    /// The client for `bucket` under `prefix`. Makes no request.
    pub fn new(bucket: &str, prefix: &str, settings: S3Settings) -> anyhow::Result<S3Photos> {
        let mut b = AmazonS3Builder::new()
            .with_bucket_name(bucket)
            .with_region(settings.region.unwrap_or_else(|| "us-east-1".into()))
            // A request that cannot be answered fails in seconds, not the
            // library's default of minutes: an upload is waiting on it.
            .with_retry(RetryConfig {
                max_retries: 3,
                retry_timeout: Duration::from_secs(15),
                ..RetryConfig::default()
            })
            .with_client_options(
                ClientOptions::new()
                    .with_connect_timeout(Duration::from_secs(5))
                    .with_timeout(Duration::from_secs(30)),
            );
        if let Some(endpoint) = settings.endpoint {
            let url = reqwest::Url::parse(&endpoint)
                .map_err(|e| anyhow::anyhow!("{ENDPOINT_ENV}={endpoint:?} is not a URL: {e}"))?;
            if !matches!(url.scheme(), "http" | "https") {
                anyhow::bail!("{ENDPOINT_ENV}={endpoint:?}: expected an http:// or https:// URL");
            }
            b = b
                .with_endpoint(endpoint.trim_end_matches('/'))
                .with_allow_http(url.scheme() == "http")
                .with_virtual_hosted_style_request(false);
        }
        if let Some(id) = settings.access_key_id {
            b = b.with_access_key_id(id);
        }
        if let Some(secret) = settings.secret_access_key {
            b = b.with_secret_access_key(secret);
        }
        if let Some(token) = settings.session_token {
            b = b.with_token(token);
        }
        let store = b
            .build()
            .map_err(|e| anyhow::anyhow!("cannot configure the S3 photo store s3://{bucket}: {e}"))?;
        Ok(S3Photos { store, bucket: bucket.to_owned(), prefix: prefix.trim_matches('/').to_owned() })
    }

    /// Writes, reads back and deletes an object of its own: the endpoint,
    /// bucket and credentials work, or the error says which failed.
    pub async fn probe(&self) -> anyhow::Result<()> {
        let key = format!(".probe/{}", uuid::Uuid::new_v4());
        let fail = |step: &str, e: StoreError| {
            anyhow::anyhow!("the photo store {} does not work ({step}): {e}", self.describe())
        };
        self.put(&key, b"mm".to_vec(), "text/plain").await.map_err(|e| fail("write", e))?;
        match self.get(&key).await.map_err(|e| fail("read", e))? {
            Some(b) if b == b"mm" => {}
            _ => anyhow::bail!("the photo store {} does not return what was written", self.describe()),
        }
        self.delete(&key).await.map_err(|e| fail("delete", e))
    }

    fn path(&self, key: &str) -> StoreResult<Path> {
        check_key(key)?;
        Ok(if self.prefix.is_empty() {
            Path::from(key)
        } else {
            Path::from(format!("{}/{key}", self.prefix))
        })
    }
}

/// A storage failure as the store reports it (no credentials in it:
/// `object_store` prints the request's URL and status, never its signature).
fn backend(what: &str, e: object_store::Error) -> StoreError {
    StoreError::backend(format!("cannot {what} a photo in the object store: {e}"))
}

#[async_trait]
impl PhotoStorage for S3Photos {
    async fn put(&self, key: &str, bytes: Vec<u8>, content_type: &str) -> StoreResult<()> {
        let mut attributes = Attributes::new();
        attributes.insert(Attribute::ContentType, content_type.to_owned().into());
        let opts = PutOptions { attributes, ..PutOptions::default() };
        self.store
            .put_opts(&self.path(key)?, PutPayload::from(bytes), opts)
            .await
            .map(|_| ())
            .map_err(|e| backend("store", e))
    }

    async fn get(&self, key: &str) -> StoreResult<Option<Vec<u8>>> {
        match self.store.get(&self.path(key)?).await {
            Ok(got) => Ok(Some(got.bytes().await.map_err(|e| backend("read", e))?.to_vec())),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(backend("read", e)),
        }
    }

    async fn delete(&self, key: &str) -> StoreResult<()> {
        match self.store.delete(&self.path(key)?).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(backend("delete", e)),
        }
    }

    async fn exists(&self, key: &str) -> StoreResult<bool> {
        match self.store.head(&self.path(key)?).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(backend("look for", e)),
        }
    }

    fn describe(&self) -> String {
        if self.prefix.is_empty() {
            format!("s3://{}", self.bucket)
        } else {
            format!("s3://{}/{}", self.bucket, self.prefix)
        }
    }
}
