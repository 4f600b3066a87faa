//! The HTTP side of the core: one reqwest client with timeouts, gzip and a
//! User-Agent naming the app. Failures are [`HttpError`]s; the error table
//! (`crate::error`) makes no answer `Network` and an `ApiError` body `Server`.

use std::time::Duration;

use mm_protocol::devices::Platform;
use mm_protocol::error::ApiError;
use mm_protocol::sync::SyncPage;
use reqwest::StatusCode;
use mm_protocol::gmina::{GMINA_HEADER, Teryt};
use reqwest::header::{ETAG, HeaderMap, HeaderName, HeaderValue, IF_NONE_MATCH};

use crate::error::Error;

/// A phone on a bad connection: fail a stuck request rather than hang the UI.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug)]
pub(crate) enum HttpError {
    /// No usable answer: offline, refused, timed out, dropped, garbled.
    Network(String),
    /// The server answered with an error status.
    Status { status: u16, api: Option<ApiError> },
    /// 429 with `Retry-After` (seconds): a locked activation says how long.
    Throttled { api: Option<ApiError>, retry_after_secs: Option<u64> },
}

impl HttpError {
    /// Worth retrying later: the request may not have reached the server,
    /// or the server failed through no fault of the request.
    pub fn is_transient(&self) -> bool {
        match self {
            HttpError::Network(_) => true,
            // A gmina without a payment gateway stays so until its office
            // configures one: retrying the payment would not help.
            HttpError::Status { api: Some(api), .. } if api.code == mm_protocol::error::ErrorCode::PaymentsDisabled => false,
            HttpError::Status { status, .. } => *status >= 500 || *status == 429 || *status == 408,
            HttpError::Throttled { .. } => true,
        }
    }

    /// 401: the credentials sent (the device token) are not valid there.
    pub fn is_unauthorized(&self) -> bool {
        matches!(self, HttpError::Status { status: 401, .. })
    }
}

pub(crate) enum SyncResponse {
    NotModified,
    Page {
        page: SyncPage,
        etag: Option<String>,
    },
}

/// Cheap to clone: the connection pool is shared.
#[derive(Clone)]
pub(crate) struct Http {
    client: reqwest::Client,
}

impl Http {
    /// `gmina`: the gmina every request of this client names
    /// (`MM-Gmina`, DESIGN: tenancy); `None` only for the deployment-wide
    /// calls (the directory of gminas).
    pub fn new(app_version: &str, platform: Platform, gmina: Option<&Teryt>) -> Result<Http, Error> {
        let mut headers = HeaderMap::new();
        if let Some(teryt) = gmina {
            let value = HeaderValue::from_str(teryt.as_str()).map_err(Error::internal)?;
            // `from_bytes` lower-cases it (HTTP/2 wants it so); names are case-blind.
            let name = HeaderName::from_bytes(GMINA_HEADER.as_bytes()).map_err(Error::internal)?;
            headers.insert(name, value);
        }
        let client = reqwest::Client::builder()
            .default_headers(headers)
            .user_agent(format!(
                "mMieszkaniec/{app_version} ({})",
                platform.as_str()
            ))
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .gzip(true)
            .build()
            .map_err(Error::internal)?;
        Ok(Http { client })
    }

    /// `GET /api/v1/sync?cursor=&limit=`.
    pub async fn sync_page(
        &self,
        base: &str,
        cursor: Option<&str>,
        limit: Option<u32>,
        if_none_match: Option<&str>,
    ) -> Result<SyncResponse, HttpError> {
        let mut query: Vec<(&str, String)> = Vec::new();
        if let Some(c) = cursor {
            query.push(("cursor", c.to_owned()));
        }
        if let Some(l) = limit {
            query.push(("limit", l.to_string()));
        }
        let mut req = self
            .client
            .get(format!("{base}{}/sync", mm_protocol::API_PREFIX))
            .query(&query);
        if let Some(tag) = if_none_match {
            req = req.header(IF_NONE_MATCH, tag);
        }
        let resp = req.send().await.map_err(network)?;
        if resp.status() == StatusCode::NOT_MODIFIED {
            return Ok(SyncResponse::NotModified);
        }
        let etag = resp
            .headers()
            .get(ETAG)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let text = body_of(resp).await?;
        let page = serde_json::from_str(&text)
            .map_err(|e| HttpError::Network(format!("bad sync page: {e}")))?;
        Ok(SyncResponse::Page { page, etag })
    }

    /// A resident write: `POST` of a JSON body with its idempotency key,
    /// so a retry after a lost answer never does it twice.
    pub async fn post(
        &self,
        base: &str,
        path: &str,
        idempotency_key: &str,
        bearer: Option<&str>,
        body: &str,
    ) -> Result<String, HttpError> {
        let mut req = self
            .client
            .post(format!("{base}{}{path}", mm_protocol::API_PREFIX))
            .header("Idempotency-Key", idempotency_key)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.to_owned());
        if let Some(token) = bearer {
            req = req.bearer_auth(token);
        }
        let resp = req.send().await.map_err(network)?;
        body_of(resp).await
    }
}

impl Http {
    /// A resident write with any method (`DELETE` of a follow), with its
    /// idempotency key.
    pub async fn send(
        &self,
        method: reqwest::Method,
        base: &str,
        path: &str,
        idempotency_key: &str,
        bearer: Option<&str>,
    ) -> Result<String, HttpError> {
        let mut req = self
            .client
            .request(method, format!("{base}{}{path}", mm_protocol::API_PREFIX))
            .header("Idempotency-Key", idempotency_key);
        if let Some(token) = bearer {
            req = req.bearer_auth(token);
        }
        let resp = req.send().await.map_err(network)?;
        body_of(resp).await
    }

    /// A resident write of a JSON body with any method (`PUT` of a budget
    /// ballot's change), with its idempotency key.
    pub async fn write_json(
        &self,
        method: reqwest::Method,
        base: &str,
        path: &str,
        idempotency_key: &str,
        bearer: Option<&str>,
        body: &str,
    ) -> Result<String, HttpError> {
        let mut req = self
            .client
            .request(method, format!("{base}{}{path}", mm_protocol::API_PREFIX))
            .header("Idempotency-Key", idempotency_key)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.to_owned());
        if let Some(token) = bearer {
            req = req.bearer_auth(token);
        }
        let resp = req.send().await.map_err(network)?;
        body_of(resp).await
    }

    /// A raw upload (`POST /api/v1/photos`): content-addressed on the
    /// server, so a retry needs no key.
    pub async fn upload(
        &self,
        base: &str,
        path: &str,
        bearer: &str,
        content_type: &str,
        bytes: Vec<u8>,
    ) -> Result<String, HttpError> {
        let resp = self
            .client
            .post(format!("{base}{}{path}", mm_protocol::API_PREFIX))
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .bearer_auth(bearer)
            .body(bytes)
            .send()
            .await
            .map_err(network)?;
        body_of(resp).await
    }
}

impl Http {
    /// A public read (`GET /gminas?q=`): no token.
    pub async fn get(&self, base: &str, path: &str, query: &[(&str, String)]) -> Result<String, HttpError> {
        let resp = self
            .client
            .get(format!("{base}{}{path}", mm_protocol::API_PREFIX))
            .query(query)
            .send()
            .await
            .map_err(network)?;
        body_of(resp).await
    }

    /// A resident's read with the device token (`GET /reports/mine`).
    pub async fn get_authed(&self, base: &str, path: &str, bearer: &str) -> Result<String, HttpError> {
        let resp = self
            .client
            .get(format!("{base}{}{path}", mm_protocol::API_PREFIX))
            .bearer_auth(bearer)
            .send()
            .await
            .map_err(network)?;
        body_of(resp).await
    }
}

/// A binary answer (`Http::get_bytes`).
pub(crate) enum Fetched {
    Body { content_type: String, bytes: Vec<u8> },
    /// Longer than the caller's limit: not read further.
    TooLarge,
}

impl Http {
    /// A public binary read of a whole `url` (a photo), read only up to
    /// `max` bytes: a longer answer is `TooLarge`, by its `Content-Length`
    /// before any byte is read, or once the bytes pass `max`.
    pub async fn get_bytes(&self, url: &str, max: usize) -> Result<Fetched, HttpError> {
        let mut resp = self.client.get(url).send().await.map_err(network)?;
        if !resp.status().is_success() {
            return Err(body_of(resp).await.err().unwrap_or(HttpError::Network("no error body".into())));
        }
        if resp.content_length().is_some_and(|n| n > max as u64) {
            return Ok(Fetched::TooLarge);
        }
        let content_type = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let mut bytes = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(network)? {
            if bytes.len() + chunk.len() > max {
                return Ok(Fetched::TooLarge);
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(Fetched::Body { content_type, bytes })
    }
}

fn network(e: reqwest::Error) -> HttpError {
    // Without the URL: it is in our logs already and may carry a query.
    HttpError::Network(e.without_url().to_string())
}

async fn body_of(resp: reqwest::Response) -> Result<String, HttpError> {
    let status = resp.status();
    let retry_after_secs = resp
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let text = resp.text().await.map_err(network)?;
    if status.is_success() {
        return Ok(text);
    }
    if status == StatusCode::TOO_MANY_REQUESTS {
        return Err(HttpError::Throttled { api: serde_json::from_str::<ApiError>(&text).ok(), retry_after_secs });
    }
    Err(HttpError::Status {
        status: status.as_u16(),
        api: serde_json::from_str::<ApiError>(&text).ok(),
    })
}
