//! [`Emulator`]: the scripted servers on a real loopback socket.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::SystemTime;

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;

use crate::sts::{Reply, StsServer};

/// The key pair the emulator accepts out of the box (used by the demo and examples).
pub const DEMO_ACCESS_KEY_ID: &str = "LTAI5tEmulatorDemoKey01";
/// The secret of [`DEMO_ACCESS_KEY_ID`].
pub const DEMO_ACCESS_KEY_SECRET: &str = "emulator-demo-secret-do-not-use";
/// A role the emulator lets the demo key assume.
pub const DEMO_ROLE_ARN: &str = "acs:ram::1234567890123456:role/emulator-demo";

/// An STS emulator on `127.0.0.1:<random port>`, served by its own thread until dropped.
pub struct Emulator {
    addr: SocketAddr,
    sts: Arc<Mutex<StsServer>>,
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
        let mut server = StsServer::new();
        server.add_key(DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET);
        let sts = Arc::new(Mutex::new(server));
        let (tx, rx) = tokio::sync::oneshot::channel();
        let state = sts.clone();
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        let thread = std::thread::Builder::new().name("sts-emulator".into()).spawn(move || {
            runtime.block_on(serve(listener, state, rx));
        })?;
        Ok(Emulator { addr, sts, shutdown: Some(tx), thread: Some(thread) })
    }

    /// The socket address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:<port>`, usable as `sts_endpoint`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The scripted STS behind the socket: add keys, queue faults, read recorded requests.
    pub fn sts(&self) -> MutexGuard<'_, StsServer> {
        self.sts.lock().unwrap_or_else(|p| p.into_inner())
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

async fn serve(
    listener: std::net::TcpListener,
    sts: Arc<Mutex<StsServer>>,
    mut stop: tokio::sync::oneshot::Receiver<()>,
) {
    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
        return;
    };
    loop {
        let accepted = tokio::select! {
            _ = &mut stop => return,
            a = listener.accept() => a,
        };
        let Ok((stream, _)) = accepted else { continue };
        let sts = sts.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req| answer(req, sts.clone()));
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

async fn answer(
    req: hyper::Request<Incoming>,
    sts: Arc<Mutex<StsServer>>,
) -> Result<hyper::Response<Full<Bytes>>, Dropped> {
    let (parts, body) = req.into_parts();
    let body = match Limited::new(body, 1 << 20).collect().await {
        Ok(b) => b.to_bytes().to_vec(),
        Err(_) => return Err(Dropped),
    };
    let req = http::Request::from_parts(parts, body);
    let reply = sts.lock().unwrap_or_else(|p| p.into_inner()).handle(&req, SystemTime::now());
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
