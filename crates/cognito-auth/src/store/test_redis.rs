//! A real `redis-server` for the tests, on a free loopback port, stopped when dropped.
//! `scripts/test` makes sure one is installed; `REDIS_SERVER` names another binary.

// Test code (clippy's test exemption does not see a `cfg(all(test, …))`).
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub(crate) struct TestRedis {
    pub port: u16,
    dir: PathBuf,
    child: Option<Child>,
    /// Settings beyond the defaults (`--maxmemory-policy …`).
    extra: Vec<String>,
}

impl TestRedis {
    pub(crate) fn start() -> Self {
        Self::start_with(&[])
    }

    /// A server with `extra` settings on its command line. A free port is one nobody holds when
    /// it is picked: a test running beside this one may take it first, so the server that
    /// answers must be this one (its `process_id`), else another port is tried.
    pub(crate) fn start_with(extra: &[&str]) -> Self {
        let mut redis = Self {
            port: 0,
            dir: PathBuf::new(),
            child: None,
            extra: extra.iter().map(|s| (*s).to_owned()).collect(),
        };
        for _ in 0..10 {
            redis.port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
                .and_then(|l| l.local_addr())
                .expect("a free port")
                .port();
            redis.dir = std::env::temp_dir().join(format!("lc-redis-{}-{}", std::process::id(), redis.port));
            std::fs::create_dir_all(&redis.dir).expect("redis dir");
            if redis.spawn() {
                return redis;
            }
            let _ = std::fs::remove_dir_all(&redis.dir);
        }
        panic!("redis-server could not get a port of its own in ten tries");
    }

    pub(crate) fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Starts the server again on the same port (after [`Self::kill`]), empty.
    pub(crate) fn restart(&mut self) {
        assert!(
            self.spawn(),
            "redis-server could not listen on port {} again",
            self.port
        );
    }

    /// Starts `redis-server` on `self.port`; `false` when the port turned out to be another's.
    fn spawn(&mut self) -> bool {
        let binary = std::env::var("REDIS_SERVER").unwrap_or_else(|_| "redis-server".into());
        let mut child = Command::new(&binary)
            .args([
                "--port",
                &self.port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .arg("--dir")
            .arg(&self.dir)
            .args(&self.extra)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {binary} ({e}): install redis-server (scripts/test does)"));
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if child.try_wait().ok().flatten().is_some() {
                return false;
            }
            if let Some(pid) = server_pid(self.port) {
                if pid == child.id() {
                    self.child = Some(child);
                    return true;
                }
                let _ = child.kill();
                let _ = child.wait();
                return false;
            }
            assert!(
                Instant::now() < deadline,
                "redis-server did not start on port {}",
                self.port
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub(crate) fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for TestRedis {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The `process_id` of the Redis server answering on `port`, if one answers.
fn server_pid(port: u16) -> Option<u32> {
    let mut stream = TcpStream::connect((Ipv4Addr::LOCALHOST, port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(1))).ok()?;
    stream.write_all(b"INFO server\r\n").ok()?;
    let mut answer = Vec::new();
    let mut buffer = [0; 4096];
    while !String::from_utf8_lossy(&answer).contains("process_id:") || !answer.ends_with(b"\r\n") {
        let n = stream.read(&mut buffer).ok()?;
        if n == 0 {
            break;
        }
        answer.extend_from_slice(&buffer[..n]);
    }
    let text = String::from_utf8_lossy(&answer);
    text.lines()
        .find_map(|line| line.strip_prefix("process_id:"))
        .and_then(|pid| pid.trim().parse().ok())
}
