//! [`drive`]: runs a refresher against a scripted world on the fake clock.

use std::time::Duration;

use alibabacloud_credentials_core::{
    Effect, FileError, FileRead, HttpRequest, Input, Now, RefreshPoll, Refresher, TransportError, TransportErrorKind,
};

use crate::sts::{Reply, StsServer};
use crate::FakeClock;

/// The outside world as a test scripts it: servers that answer requests, a file system.
pub trait World {
    /// Answers a request at `now`: the response (or transport failure) and how long it took.
    fn serve(&mut self, req: &HttpRequest, now: Now) -> (Result<http::Response<Vec<u8>>, TransportError>, Duration);

    /// Reads a file.
    fn read_file(&mut self, file: &FileRead) -> Result<Vec<u8>, FileError> {
        let _ = file;
        Err(FileError::NotFound)
    }
}

impl World for StsServer {
    fn serve(&mut self, req: &HttpRequest, now: Now) -> (Result<http::Response<Vec<u8>>, TransportError>, Duration) {
        match self.handle(&req.request, now.wall) {
            Reply::Response(r, latency) => (Ok(r), latency),
            Reply::Drop(latency) => {
                (Err(TransportError::new(TransportErrorKind::Io, "connection closed before a response")), latency)
            }
        }
    }
}

/// What one [`drive`] did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DriveReport {
    /// HTTP requests sent.
    pub requests: usize,
    /// Files read.
    pub files: usize,
    /// Snapshots published.
    pub published: usize,
}

/// A world with no servers, for [`ScriptedSource`](crate::ScriptedSource) tests: it answers the
/// scripted source's pseudo-requests after their scripted latency.
#[derive(Debug, Default)]
pub struct ScriptedWorld;

impl World for ScriptedWorld {
    fn serve(&mut self, req: &HttpRequest, _now: Now) -> (Result<http::Response<Vec<u8>>, TransportError>, Duration) {
        let latency = crate::scripted::scripted_latency(req).unwrap_or_default();
        (Ok(http::Response::new(Vec::new())), latency)
    }
}

/// Drains the refresher until it waits with no fetch in progress, performing effects against
/// `world` and moving `clock` by each answer's latency (a latency beyond the request's timeouts
/// becomes a timeout). Waits inside a fetch (retry back-off) are skipped by advancing the clock;
/// a wait with no fetch in progress ends the drive. Bounded to 10 000 steps.
pub fn drive(refresher: &mut Refresher, clock: &FakeClock, world: &mut dyn World) -> DriveReport {
    let mut report = DriveReport::default();
    for _ in 0..10_000 {
        match refresher.poll(clock.now()) {
            RefreshPoll::Effect(Effect::Http(req)) => {
                report.requests += 1;
                let (result, latency) = world.serve(&req, clock.now());
                let limit = req.connect_timeout + req.read_timeout;
                let result = if latency > limit && !limit.is_zero() {
                    clock.advance(limit);
                    Err(TransportError::new(TransportErrorKind::Timeout, "read timed out"))
                } else {
                    clock.advance(latency);
                    result
                };
                refresher.handle_input(Input::Http { id: req.id, result }, clock.now());
            }
            RefreshPoll::Effect(Effect::ReadFile(f)) => {
                report.files += 1;
                let result = world.read_file(&f);
                refresher.handle_input(Input::File { id: f.id, result }, clock.now());
            }
            RefreshPoll::Published => report.published += 1,
            RefreshPoll::Wait(Some(t)) if refresher.is_fetching() => clock.advance_to(t),
            RefreshPoll::Wait(_) => return report,
        }
    }
    panic!("drive did not settle in 10 000 steps: the refresher loops");
}
