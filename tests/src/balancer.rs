//! A load balancer for tests: a TCP (layer 4) proxy that hands each new
//! connection to the next upstream in turn, skipping one that refuses the
//! connection, as HAProxy or nginx `stream` do with passive health checks.
//! A connection stays with its upstream for its life (keep-alive), so a
//! killed instance drops the requests it was serving; the clients' retries
//! (with the same idempotency keys) then reach another instance.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

pub struct Balancer {
    pub url: String,
    stop: Arc<AtomicBool>,
    /// Connections handed to each upstream, in the order given.
    served: Arc<Mutex<Vec<usize>>>,
}

impl Balancer {
    /// `upstreams` are `http://host:port` (as the servers print them).
    pub fn start(upstreams: &[String]) -> std::io::Result<Balancer> {
        let upstreams: Vec<String> = upstreams
            .iter()
            .map(|u| u.trim_start_matches("http://").trim_end_matches('/').to_owned())
            .collect();
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let url = format!("http://{}", listener.local_addr()?);
        listener.set_nonblocking(true)?;
        let stop = Arc::new(AtomicBool::new(false));
        let served = Arc::new(Mutex::new(vec![0; upstreams.len()]));
        let (stop2, served2) = (stop.clone(), served.clone());
        let next = AtomicUsize::new(0);
        thread::spawn(move || {
            while !stop2.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((client, _)) => {
                        let _ = client.set_nonblocking(false);
                        let start = next.fetch_add(1, Ordering::Relaxed);
                        let picked = (0..upstreams.len()).find_map(|k| {
                            let i = (start + k) % upstreams.len();
                            TcpStream::connect_timeout(
                                &upstreams[i].parse().ok()?,
                                Duration::from_millis(500),
                            )
                            .ok()
                            .map(|s| (i, s))
                        });
                        match picked {
                            Some((i, upstream)) => {
                                served2.lock().unwrap()[i] += 1;
                                pipe(client, upstream);
                            }
                            // Every instance down: the client sees a reset.
                            None => drop(client),
                        }
                    }
                    Err(ref e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                        thread::sleep(Duration::from_millis(2));
                    }
                    Err(_) => break,
                }
            }
        });
        Ok(Balancer { url, stop, served })
    }

    pub fn served(&self) -> Vec<usize> {
        self.served.lock().unwrap().clone()
    }
}

impl Drop for Balancer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Copies both ways until either side closes.
fn pipe(client: TcpStream, upstream: TcpStream) {
    let (Ok(c2), Ok(u2)) = (client.try_clone(), upstream.try_clone()) else { return };
    thread::spawn(move || copy(client, upstream));
    thread::spawn(move || copy(u2, c2));
}

fn copy(mut from: TcpStream, mut to: TcpStream) {
    let mut buf = [0u8; 16 * 1024];
    loop {
        match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if to.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        }
    }
    let _ = to.shutdown(Shutdown::Both);
    let _ = from.shutdown(Shutdown::Both);
}
