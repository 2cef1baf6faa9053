//! Connections against a live server: a client that never finishes its
//! header, or its body, or sits idle on a kept-alive connection, is closed
//! after the timeout; at the connection cap the oldest idle connection makes
//! room, so a normal request is still answered.

mod common;

use common::{LiveServer, fixture_model, limits};
use crux_server::{Config, ConnectionLimits};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

fn config(max_connections: usize) -> Config {
    let mut config = Config::new(fixture_model(), limits());
    config.connections = ConnectionLimits {
        header_timeout: Duration::from_secs(1),
        body_timeout: Duration::from_secs(1),
        max_connections,
        shutdown_grace: Duration::from_secs(2),
    };
    config
}

/// Reads until the server closes the connection (or 20 s pass); what it sent and how long it took.
fn read_until_closed(stream: &mut TcpStream) -> (String, Duration) {
    let started = Instant::now();
    stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut reply = Vec::new();
    let _ = stream.read_to_end(&mut reply);
    (String::from_utf8_lossy(&reply).into_owned(), started.elapsed())
}

fn model_request(addr: SocketAddr) -> Result<String, std::io::Error> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    stream.write_all(b"GET /api/model HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")?;
    let mut reply = String::new();
    stream.read_to_string(&mut reply)?;
    Ok(reply)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_headers_bodies_and_idle_connections_are_closed() {
    let server = LiveServer::start(config(64)).await;
    let addr = server.addr;
    tokio::task::spawn_blocking(move || {
        // Half a header, then nothing.
        let mut slow = TcpStream::connect(addr).unwrap();
        slow.write_all(b"GET /api/model HTTP/1.1\r\nHost: localhost\r\n").unwrap();
        let (_, waited) = read_until_closed(&mut slow);
        assert!(waited >= Duration::from_millis(900) && waited < Duration::from_secs(5), "header: {waited:?}");

        // A header line every 400 ms never completes: the timeout is for the whole header.
        let mut trickle = TcpStream::connect(addr).unwrap();
        trickle.write_all(b"GET /api/model HTTP/1.1\r\n").unwrap();
        let started = Instant::now();
        let mut closed = false;
        for index in 0..20 {
            std::thread::sleep(Duration::from_millis(400));
            if trickle.write_all(format!("X-Slow-{index}: y\r\n").as_bytes()).is_err() {
                closed = true;
                break;
            }
        }
        let (_, _) = read_until_closed(&mut trickle);
        let waited = started.elapsed();
        assert!(closed || waited < Duration::from_secs(9), "a trickled header is cut off: {waited:?}");

        // A body that never arrives whole.
        let mut body = TcpStream::connect(addr).unwrap();
        body.write_all(b"POST /api/run HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"samples\":").unwrap();
        let (reply, waited) = read_until_closed(&mut body);
        assert!(waited < Duration::from_secs(5), "body: {waited:?}");
        assert!(reply.is_empty() || reply.starts_with("HTTP/1.1 4"), "{reply}");

        // A kept-alive connection that goes quiet after its answer.
        let mut idle = TcpStream::connect(addr).unwrap();
        idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n").unwrap();
        let (reply, waited) = read_until_closed(&mut idle);
        assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
        assert!(waited < Duration::from_secs(5), "idle: {waited:?}");

        assert!(model_request(addr).unwrap().starts_with("HTTP/1.1 200"), "still serving");
    })
    .await
    .unwrap();
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_the_cap_the_oldest_idle_connection_makes_room() {
    let mut config = config(4);
    config.connections.header_timeout = Duration::from_secs(30);
    let server = LiveServer::start(config).await;
    let addr = server.addr;
    tokio::task::spawn_blocking(move || {
        // Six slow clients against a cap of four.
        let mut slow: Vec<TcpStream> = (0..6)
            .map(|_| {
                let mut stream = TcpStream::connect(addr).unwrap();
                stream.write_all(b"GET /api/model HTTP/1.1\r\n").unwrap();
                std::thread::sleep(Duration::from_millis(50));
                stream
            })
            .collect();
        let started = Instant::now();
        let reply = model_request(addr).expect("a normal request gets through");
        assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
        assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
        // The oldest were closed to make room; the newest is still open.
        let (_, waited) = read_until_closed(&mut slow[0]);
        assert!(waited < Duration::from_secs(2), "the oldest was closed: {waited:?}");
        slow[5].set_read_timeout(Some(Duration::from_millis(300))).unwrap();
        let mut byte = [0u8; 1];
        let still_open = matches!(slow[5].read(&mut byte), Err(error) if error.kind() == std::io::ErrorKind::WouldBlock || error.kind() == std::io::ErrorKind::TimedOut);
        assert!(still_open, "the newest slow connection is kept");
    })
    .await
    .unwrap();
    server.stop().await;
}
