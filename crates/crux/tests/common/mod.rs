//! Helpers shared by the CLI's tests that start `crux serve`.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::Child;

/// The address a `crux serve` child (spawned with `--addr 127.0.0.1:0` and
/// its standard error piped) says it listens on; standard error is then
/// drained on a thread of its own, so that the server never blocks on a
/// full pipe.
pub fn listening_address(child: &mut Child) -> SocketAddr {
    let mut stderr = BufReader::new(child.stderr.take().expect("standard error is piped"));
    let mut line = String::new();
    stderr.read_line(&mut line).expect("the server says where it listens");
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .and_then(|addr| addr.parse().ok())
        .unwrap_or_else(|| panic!("no address in {line:?}"));
    std::thread::spawn(move || std::io::copy(&mut stderr, &mut std::io::sink()));
    addr
}
