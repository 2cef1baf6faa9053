//! `crux serve` killed with SIGKILL while clients save profiles and run the
//! model: the database opens, passes SQLite's integrity check, holds every
//! profile whose save was answered 201, holds nothing half-written, and a
//! restarted server serves it.

mod common;

use crux_lang::Sources;
use crux_store::{ModelSource, Store, validate};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn model_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/no-axis.toml")
}

/// Starts `crux serve` on a free loopback port and returns it with its address.
fn start_server(db: &Path) -> (Child, SocketAddr) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_crux"))
        .arg("serve")
        .arg(model_path())
        .args(["--addr", "127.0.0.1:0", "--db"])
        .arg(db)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("crux runs");
    let addr = common::listening_address(&mut child);
    (child, addr)
}

/// Sends one request and returns the status code and body (`None` when the
/// connection failed or closed without a reply, as when the server dies).
fn request(addr: SocketAddr, method: &str, path: &str, body: &str) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(30))).ok()?;
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).ok()?;
    stream.write_all(body.as_bytes()).ok()?;
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply).ok()?;
    let reply = String::from_utf8_lossy(&reply).to_string();
    let status = reply.split_whitespace().nth(1)?.parse().ok()?;
    let body = reply.split_once("\r\n\r\n").map_or(String::new(), |(_, body)| body.to_string());
    Some((status, body))
}

#[test]
fn a_server_killed_under_load_loses_no_saved_profile_and_leaves_nothing_half_written() {
    let directory = std::env::temp_dir().join(format!("crux-killed-server-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&directory);
    std::fs::create_dir_all(&directory).unwrap();
    let db = directory.join("store.db");
    let model = ModelSource { name: "no-axis.toml".to_string(), text: std::fs::read_to_string(model_path()).unwrap() };
    let mut acknowledged_total: Vec<String> = Vec::new();

    for round in 0..2u64 {
        let (mut server, addr) = start_server(&db);
        let acknowledged = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let mut clients = Vec::new();
        for writer in 0..3 {
            let (acknowledged, stop) = (Arc::clone(&acknowledged), Arc::clone(&stop));
            clients.push(std::thread::spawn(move || {
                let mut index = 0;
                while !stop.load(Ordering::Relaxed) {
                    let name = format!("view {round}-{writer}-{index}");
                    let body = format!(
                        "{{\"name\": \"{name}\", \"respondent\": \"tester\", \"notes\": \"{}\", \"overrides\": {{\"risk\": \"normal({index}, 1)\"}}}}",
                        "n".repeat(2000)
                    );
                    match request(addr, "POST", "/api/profiles", &body) {
                        Some((201, _)) => acknowledged.lock().unwrap().push(name),
                        Some((status, body)) => panic!("saving {name} gave {status}: {body}"),
                        None => break,
                    }
                    index += 1;
                }
            }));
        }
        // Computations run beside the writes, as on a busy server.
        {
            let stop = Arc::clone(&stop);
            clients.push(std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    if request(addr, "POST", "/api/run", "{\"samples\": 20000}").is_none() {
                        break;
                    }
                }
            }));
        }
        let started = Instant::now();
        while acknowledged.lock().unwrap().len() < 20 + 30 * round as usize {
            assert!(started.elapsed() < Duration::from_secs(120), "the server stores profiles");
            std::thread::sleep(Duration::from_millis(5));
        }
        server.kill().expect("SIGKILL");
        let _ = server.wait();
        stop.store(true, Ordering::Relaxed);
        for client in clients {
            client.join().expect("a client thread does not panic");
        }
        acknowledged_total.extend(acknowledged.lock().unwrap().drain(..));

        let mut store = Store::open(&db).expect("the database opens after the kill");
        assert_eq!(store.integrity_check().unwrap(), "ok");
        let stored = store.list(None).unwrap();
        let names: Vec<&str> = stored.iter().map(|profile| profile.name.as_str()).collect();
        for name in &acknowledged_total {
            assert!(names.contains(&name.as_str()), "round {round}: saved profile {name} was lost");
        }
        for profile in &stored {
            validate(&mut Sources::new(), &model, "stored.toml", &profile.profile_toml)
                .unwrap_or_else(|errors| panic!("profile {} is not whole: {errors:?}", profile.name));
        }
        drop(store);

        // A new server on the same database serves what was stored.
        let (mut server, addr) = start_server(&db);
        let (status, body) = request(addr, "GET", "/api/profiles", "").expect("the restarted server answers");
        assert_eq!(status, 200, "{body}");
        let listed: serde_json::Value = serde_json::from_str(&body).expect("JSON");
        assert_eq!(listed.as_array().map(Vec::len), Some(stored.len()));
        server.kill().unwrap();
        let _ = server.wait();
    }
    let _ = std::fs::remove_dir_all(&directory);
}
