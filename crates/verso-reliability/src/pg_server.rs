//! A private PostgreSQL server for the connection-loss part: its own data
//! directory, port and socket directory, so restarting it disturbs nobody.
//! Stopped and deleted when dropped (a panicking test included).

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// Overrides the directory of `initdb` and `pg_ctl`.
pub const PG_BIN_VAR: &str = "VERSO_PG_BIN";

/// How the server is stopped when it is restarted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopMode {
    /// `-m immediate`: every backend is killed at once, like a crash; the
    /// server runs crash recovery when it starts again.
    Immediate,
    /// `-m fast`: sessions are terminated (SQLSTATE 57P01), in-flight
    /// transactions rolled back, and the server shuts down cleanly.
    Fast,
}

impl StopMode {
    fn flag(self) -> &'static str {
        match self {
            StopMode::Immediate => "immediate",
            StopMode::Fast => "fast",
        }
    }
}

/// A running private server.
#[derive(Debug)]
pub struct PrivateServer {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
    as_postgres: bool,
}

impl PrivateServer {
    /// Creates a data directory with `initdb` (as the `postgres` OS user
    /// when running as root), and starts a server on a free port.
    /// Errors say why a server cannot be had here.
    pub fn start() -> Result<PrivateServer, String> {
        let bin = bin_dir()?;
        let as_postgres = running_as_root();
        let dir = std::env::temp_dir().join(format!("verso-pg-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(dir.join("sock")).map_err(|e| format!("{}: {e}", dir.display()))?;
        let port = free_port()?;
        // From here on, dropping `server` removes the directory.
        let server = PrivateServer {
            bin,
            dir,
            port,
            as_postgres,
        };
        if as_postgres {
            server.run(
                "chown",
                &["-R", "postgres:", &server.dir.display().to_string()],
            )?;
        }
        let data = server.data().display().to_string();
        let initdb = server.bin.join("initdb").display().to_string();
        server.run(
            &initdb,
            &["-D", &data, "-A", "trust", "-U", "postgres", "--no-sync"],
        )?;
        server.pg_ctl(&["start"])?;
        Ok(server)
    }

    /// The server's URL (database `postgres`, trust authentication).
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Stops the server in `mode`, leaves it down for `outage`, and starts
    /// it again.
    pub fn restart(&self, mode: StopMode, outage: Duration) -> Result<(), String> {
        self.pg_ctl(&["stop", "-m", mode.flag()])?;
        std::thread::sleep(outage);
        self.pg_ctl(&["start"])
    }

    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    fn pg_ctl(&self, action: &[&str]) -> Result<(), String> {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c max_connections=100",
            self.port,
            self.dir.join("sock").display()
        );
        let data = self.data().display().to_string();
        let log = self.dir.join("server.log").display().to_string();
        let pg_ctl = self.bin.join("pg_ctl").display().to_string();
        let mut args = vec!["-D", &data, "-l", &log, "-w", "-t", "60", "-o", &options];
        args.extend_from_slice(action);
        self.run(&pg_ctl, &args)
    }

    /// Runs a command (as `postgres` when we are root), failing with its
    /// output.
    fn run(&self, program: &str, args: &[&str]) -> Result<(), String> {
        let mut command = if self.as_postgres && program != "chown" {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--", program]);
            command
        } else {
            Command::new(program)
        };
        let output = command
            .args(args)
            .current_dir(&self.dir)
            .output()
            .map_err(|e| format!("cannot run {program}: {e}"))?;
        if output.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{program} {args:?} failed ({}): {}{}",
                output.status,
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ))
        }
    }
}

impl Drop for PrivateServer {
    fn drop(&mut self) {
        let _ = self.pg_ctl(&["stop", "-m", "immediate"]);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The directory holding `initdb` and `pg_ctl`: `$VERSO_PG_BIN`, or the
/// newest `/usr/lib/postgresql/*/bin`.
fn bin_dir() -> Result<PathBuf, String> {
    if let Ok(dir) = std::env::var(PG_BIN_VAR) {
        return Ok(PathBuf::from(dir));
    }
    let root = Path::new("/usr/lib/postgresql");
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir(root)
        .map_err(|e| format!("no PostgreSQL server binaries ({}: {e})", root.display()))?
        .filter_map(|entry| entry.ok())
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions
        .pop()
        .map(|(_, bin)| bin)
        .ok_or_else(|| format!("no initdb under {}", root.display()))
}

fn running_as_root() -> bool {
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

fn free_port() -> Result<u16, String> {
    let listener =
        std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| format!("no free port: {e}"))?;
    listener
        .local_addr()
        .map(|address| address.port())
        .map_err(|e| e.to_string())
}
