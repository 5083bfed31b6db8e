//! [`Emulator`]: the scripted servers on a real loopback socket: paths under `/latest/` go to the
//! instance metadata server, paths under `/uri/` to the credentials URI server, everything else
//! to STS.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::SystemTime;

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;

use crate::imds::ImdsServer;
use crate::sts::{Reply, StsServer};
use crate::uri::UriServer;

/// The key pair the emulator accepts out of the box (used by the demo and examples).
pub const DEMO_ACCESS_KEY_ID: &str = "LTAI5tEmulatorDemoKey01";
/// The secret of [`DEMO_ACCESS_KEY_ID`].
pub const DEMO_ACCESS_KEY_SECRET: &str = "emulator-demo-secret-do-not-use";
/// A role the emulator lets the demo key assume.
pub const DEMO_ROLE_ARN: &str = "acs:ram::1234567890123456:role/emulator-demo";

/// The role the emulated metadata service has attached.
pub const DEMO_ECS_ROLE: &str = "EmulatorEcsRole";

/// The scripted servers behind the socket.
struct Servers {
    sts: Mutex<StsServer>,
    imds: Mutex<ImdsServer>,
    uri: Mutex<UriServer>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// STS, instance metadata and a credentials URI on `127.0.0.1:<random port>`, served by their
/// own thread until dropped.
pub struct Emulator {
    addr: SocketAddr,
    servers: Arc<Servers>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl std::fmt::Debug for Emulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emulator").field("addr", &self.addr).finish()
    }
}

impl Emulator {
    /// Starts the emulator with the demo key registered.
    pub fn start() -> std::io::Result<Emulator> {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let mut sts = StsServer::new();
        sts.add_key(DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET);
        let servers = Arc::new(Servers {
            sts: Mutex::new(sts),
            imds: Mutex::new(ImdsServer::with_role(DEMO_ECS_ROLE)),
            uri: Mutex::new(UriServer::new()),
        });
        let (tx, rx) = tokio::sync::oneshot::channel();
        let state = servers.clone();
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        let thread = std::thread::Builder::new().name("sts-emulator".into()).spawn(move || {
            runtime.block_on(serve(listener, state, rx));
        })?;
        Ok(Emulator { addr, servers, shutdown: Some(tx), thread: Some(thread) })
    }

    /// The socket address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:<port>`, usable as `sts_endpoint` and `metadata_endpoint`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A credentials URI served by the emulator.
    pub fn credentials_uri(&self) -> String {
        format!("http://{}/uri/credentials", self.addr)
    }

    /// The scripted STS: add keys, queue faults, read recorded requests.
    pub fn sts(&self) -> MutexGuard<'_, StsServer> {
        lock(&self.servers.sts)
    }

    /// The scripted instance metadata service (role [`DEMO_ECS_ROLE`]).
    pub fn imds(&self) -> MutexGuard<'_, ImdsServer> {
        lock(&self.servers.imds)
    }

    /// The scripted credentials URI server.
    pub fn uri(&self) -> MutexGuard<'_, UriServer> {
        lock(&self.servers.uri)
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

async fn serve(listener: std::net::TcpListener, servers: Arc<Servers>, mut stop: tokio::sync::oneshot::Receiver<()>) {
    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
        return;
    };
    loop {
        let accepted = tokio::select! {
            _ = &mut stop => return,
            a = listener.accept() => a,
        };
        let Ok((stream, _)) = accepted else { continue };
        let servers = servers.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req| answer(req, servers.clone()));
            let _ = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
        });
    }
}

#[derive(Debug)]
struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("fault: connection dropped")
    }
}

impl std::error::Error for Dropped {}

async fn answer(req: hyper::Request<Incoming>, servers: Arc<Servers>) -> Result<hyper::Response<Full<Bytes>>, Dropped> {
    let (parts, body) = req.into_parts();
    let body = match Limited::new(body, 1 << 20).collect().await {
        Ok(b) => b.to_bytes().to_vec(),
        Err(_) => return Err(Dropped),
    };
    let req = http::Request::from_parts(parts, body);
    let path = req.uri().path();
    let reply = if path.starts_with("/latest/") {
        lock(&servers.imds).handle(&req, SystemTime::now())
    } else if path.starts_with("/uri/") {
        lock(&servers.uri).handle(&req, SystemTime::now())
    } else {
        lock(&servers.sts).handle(&req, SystemTime::now())
    };
    match reply {
        Reply::Response(resp, latency) => {
            if !latency.is_zero() {
                tokio::time::sleep(latency).await;
            }
            let (parts, body) = resp.into_parts();
            Ok(hyper::Response::from_parts(parts, Full::new(Bytes::from(body))))
        }
        Reply::Drop(latency) => {
            tokio::time::sleep(latency).await;
            Err(Dropped)
        }
    }
}
