//! A minimal sync server for benchmarks that need a large dataset in the
//! core's store quickly: it registers any device and serves `GET
//! /api/v1/sync?cursor=C` from a function that builds the page for C.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;

use serde_json::json;

/// Answers `POST /api/v1/devices` and `GET /api/v1/sync?cursor=C…` (one
/// request per connection) until the listener closes.
pub fn serve(listener: TcpListener, page: impl Fn(u64) -> String) {
    for stream in listener.incoming() {
        let Ok(mut stream) = stream else { continue };
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut first = String::new();
        if reader.read_line(&mut first).is_err() {
            continue;
        }
        let mut len = 0usize;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                break;
            }
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                len = v.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; len];
        let _ = reader.read_exact(&mut body);
        let target = first.split(' ').nth(1).unwrap_or("");
        let (status, answer) = if target.starts_with("/api/v1/devices") {
            (
                "201 Created",
                json!({"device_id": "bench", "token": "bench"}).to_string(),
            )
        } else {
            let cursor = target
                .split(['?', '&'])
                .find_map(|kv| kv.strip_prefix("cursor="))
                .and_then(|c| c.parse().ok())
                .unwrap_or(0);
            ("200 OK", page(cursor))
        };
        let _ = write!(
            stream,
            "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{answer}",
            answer.len()
        );
    }
}
