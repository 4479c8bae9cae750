//! The release path of `afterresume serve` against clients that do not play fair,
//! over real sockets: headers that never end, hundreds of idle connections under
//! a small file-descriptor limit, bytes that are not HTTP, ambiguous hosts, and a
//! body over the limit sent before the answer is read.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Server {
    child: Child,
    addr: String,
    _data: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the binary under a hard limit of 256 open files (so it cannot raise its
/// own), one-second header timeout and at most 64 connections.
fn start() -> Server {
    let data = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let binary = env!("CARGO_BIN_EXE_afterresume");
    let child = Command::new("sh")
        .args([
            "-c",
            &format!("ulimit -n 256 && exec '{binary}' serve --bind {addr} --workers 1"),
        ])
        .env_remove("DATABASE_URL")
        .env_remove("REDIS_URL")
        .env_remove("SECRET_KEY")
        .env("AFTERRESUME_DATA_DIR", data.path())
        .env("AFTERRESUME_HEADER_TIMEOUT_SECS", "1")
        .env("AFTERRESUME_MAX_CONNECTIONS", "64")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let server = Server {
        child,
        addr,
        _data: data,
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while exchange(
        &server.addr,
        b"GET /api/healthz/ HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    )
    .is_none_or(|r| !r.starts_with("HTTP/1.1 200"))
    {
        assert!(Instant::now() < deadline, "the server did not come up");
        std::thread::sleep(Duration::from_millis(100));
    }
    server
}

/// Sends raw bytes and reads the answer until the server closes the connection.
fn exchange(addr: &str, request: &[u8]) -> Option<String> {
    let mut stream = TcpStream::connect(addr).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(15)))
        .ok()?;
    stream.write_all(request).ok()?;
    let mut out = Vec::new();
    stream.read_to_end(&mut out).ok()?;
    Some(String::from_utf8_lossy(&out).into_owned())
}

fn body_json(response: &str) -> serde_json::Value {
    let (_, body) = response.split_once("\r\n\r\n").unwrap_or(("", ""));
    serde_json::from_str(body).unwrap_or_else(|_| panic!("not JSON: {response}"))
}

#[test]
fn hostile_clients_get_clear_answers_and_cannot_exhaust_the_server() {
    let server = start();
    let addr = server.addr.as_str();

    // Headers that never end: the connection is closed after the timeout.
    let mut slow = TcpStream::connect(addr).unwrap();
    slow.write_all(b"GET /api/healthz/ HTTP/1.1\r\nHost: local")
        .unwrap();
    slow.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let started = Instant::now();
    let mut buf = Vec::new();
    let _ = slow.read_to_end(&mut buf);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "a connection without complete headers stayed open {:?}",
        started.elapsed()
    );

    // Three hundred idle connections, more than the process may open: a new
    // client is still served, and the server keeps running.
    let idle: Vec<TcpStream> = (0..300)
        .filter_map(|_| TcpStream::connect(addr).ok())
        .collect();
    assert!(idle.len() > 256, "{} idle connections opened", idle.len());
    let started = Instant::now();
    let mut served = None;
    while started.elapsed() < Duration::from_secs(20) {
        if let Some(r) = exchange(
            addr,
            b"GET /api/healthz/ HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
        ) && r.starts_with("HTTP/1.1 200")
        {
            served = Some(r);
            break;
        }
    }
    let served = served.expect("no new client was served while idle connections were held");
    assert!(
        served
            .to_ascii_lowercase()
            .contains("x-content-type-options: nosniff"),
        "{served}"
    );
    drop(idle);

    // Bytes that are not HTTP get the JSON error shape.
    let garbage = exchange(addr, b"\x01\x02 NOT HTTP\r\n\r\n").unwrap();
    assert!(garbage.starts_with("HTTP/1.1 400"), "{garbage}");
    assert_eq!(body_json(&garbage)["code"], "bad_request");

    // Ambiguous hosts.
    for request in [
        &b"GET /api/healthz/ HTTP/1.1\r\nHost: localhost\r\nHost: evil.com\r\nConnection: close\r\n\r\n"[..],
        b"GET /api/healthz/ HTTP/1.1\r\nConnection: close\r\n\r\n",
        b"GET http://evil.com/api/healthz/ HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
        b"GET /api/healthz/ HTTP/1.1\r\nHost: [::1].evil.com\r\nConnection: close\r\n\r\n",
    ] {
        let reply = exchange(addr, request).unwrap();
        assert!(
            reply.starts_with("HTTP/1.1 400"),
            "{}: {reply}",
            String::from_utf8_lossy(request)
        );
        assert!(body_json(&reply)["code"].is_string());
    }

    // A body over the limit, sent whole before the answer is read: 413, not a
    // reset connection.
    let body = vec![b'x'; 2 << 20];
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(15)))
        .unwrap();
    let head = format!(
        "POST /api/worklogs/ HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    stream
        .write_all(&body)
        .expect("the server reset the connection while the body was sent");
    let mut out = Vec::new();
    stream.read_to_end(&mut out).unwrap();
    let reply = String::from_utf8_lossy(&out);
    assert!(reply.starts_with("HTTP/1.1 413"), "{reply}");
    assert_eq!(body_json(&reply)["code"], "payload_too_large");
}
