//! Child processes of the `touchstone` binary for tests that need real processes (kill -9,
//! several nodes, the CLI): each is killed and reaped when dropped, and waits are bounded.

use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::touchstone_bin;

/// A free loopback port (racy in theory, fine for tests on one machine).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

/// Runs `touchstone ARGS…` to completion (at most 60 s; killed if it overruns).
pub async fn run_cli(args: &[&str]) -> Output {
    let child = tokio::process::Command::new(touchstone_bin())
        .args(args)
        .env("RUST_LOG", "warn")
        // The harness's variable is not the server's configuration.
        .env_remove("TOUCHSTONE_TEST_PG_URL")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("touchstone starts");
    tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
        .await
        .expect("touchstone finishes within 60 s")
        .expect("touchstone output")
}

/// Standard output and error of a finished command, as text.
pub fn output_text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// A `touchstone serve` child on a free port; SIGKILLed and reaped when dropped.
pub struct ServeProcess {
    pub name: String,
    pub child: Child,
    pub base: String,
    log: PathBuf,
}

impl Drop for ServeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl ServeProcess {
    /// Starts `touchstone serve ARGS… --bind 127.0.0.1:<free port>`, logging to `log`.
    pub fn start(name: &str, args: &[&str], log: PathBuf) -> ServeProcess {
        let port = free_port();
        let out = std::fs::File::create(&log).expect("log file");
        let err = out.try_clone().expect("log file");
        let child = Command::new(touchstone_bin())
            .arg("serve")
            .args(args)
            .args(["--bind", &format!("127.0.0.1:{port}")])
            .env("RUST_LOG", "warn")
            .env_remove("TOUCHSTONE_TEST_PG_URL")
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .expect("touchstone serve starts");
        ServeProcess { name: name.to_string(), child, base: format!("http://127.0.0.1:{port}"), log }
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits (at most 30 s) until /healthz answers; panics with the log if the process died.
    pub async fn wait_healthy(&mut self) {
        let http = reqwest::Client::builder().timeout(Duration::from_secs(1)).build().expect("client");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("{} exited early ({status}):\n{}", self.name, self.log_text());
            }
            if let Ok(r) = http.get(format!("{}/healthz", self.base)).send().await
                && r.status().is_success()
            {
                return;
            }
            assert!(Instant::now() < deadline, "{} not healthy within 30 s:\n{}", self.name, self.log_text());
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// SIGKILL (`Child::kill` on Unix), then reap.
    pub fn kill_9(&mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("reaped");
    }

    /// Whether `holder` (a sweeper node name, `<host>-<pid>-<random>`) is this process.
    pub fn is_holder(&self, holder: &str) -> bool {
        holder.rsplit('-').nth(1) == Some(self.child.id().to_string().as_str())
    }
}
