//! Worker processes: the suite's own binary, started with the hidden
//! `worker` subcommand, reporting [`Event`]s on its stdout.

use crate::event::Event;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// A running worker process. Dropping it kills the process.
pub struct Worker {
    child: Child,
    events: Arc<Mutex<Vec<Event>>>,
    reader: Option<JoinHandle<()>>,
    stderr: Option<JoinHandle<String>>,
}

/// What a worker left when it ended.
#[derive(Debug)]
pub struct Ended {
    /// How it ended.
    pub status: ExitStatus,
    /// Every complete report it printed, in order.
    pub events: Vec<Event>,
    /// What it wrote to stderr.
    pub stderr: String,
}

impl Worker {
    /// Starts `exe worker <args>`.
    pub fn spawn(exe: &Path, args: &[String]) -> std::io::Result<Worker> {
        let mut child = Command::new(exe)
            .arg("worker")
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        let stdout = child.stdout.take().expect("piped stdout");
        let stderr = child.stderr.take().expect("piped stderr");
        let events = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&events);
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(|line| line.ok()) {
                if let Some(event) = Event::parse(&line) {
                    sink.lock().unwrap_or_else(|p| p.into_inner()).push(event);
                }
            }
        });
        let stderr = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = BufReader::new(stderr).read_to_string(&mut text);
            text
        });
        Ok(Worker {
            child,
            events,
            reader: Some(reader),
            stderr: Some(stderr),
        })
    }

    /// Kills the process with SIGKILL (`Child::kill` on unix).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
    }

    /// Whether the worker has reported an acknowledged commit yet.
    pub fn has_acknowledged(&self) -> bool {
        let events = self.events.lock().unwrap_or_else(|p| p.into_inner());
        events.iter().any(|event| matches!(event, Event::Ack(_)))
    }

    /// The process's exit status, if it has ended.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// Waits for the process to end (blocking) and collects its reports.
    pub fn wait(mut self) -> std::io::Result<Ended> {
        let status = self.child.wait()?;
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
        let events = std::mem::take(&mut *self.events.lock().unwrap_or_else(|p| p.into_inner()));
        let stderr = self
            .stderr
            .take()
            .and_then(|reader| reader.join().ok())
            .unwrap_or_default();
        Ok(Ended {
            status,
            events,
            stderr,
        })
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        if self.reader.is_some() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
