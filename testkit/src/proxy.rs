//! [`Proxy`]: a minimal HTTP proxy on 127.0.0.1 (CONNECT tunnels and absolute-form requests), to
//! check that requests go through a configured proxy, or do not.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// A forwarding proxy on `127.0.0.1:<random port>`, served by its own thread until dropped.
/// It only forwards to loopback addresses.
pub struct Proxy {
    addr: SocketAddr,
    connections: Arc<AtomicUsize>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl std::fmt::Debug for Proxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Proxy").field("addr", &self.addr).finish()
    }
}

impl Proxy {
    /// Starts the proxy.
    pub fn start() -> std::io::Result<Proxy> {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let connections = Arc::new(AtomicUsize::new(0));
        let counter = connections.clone();
        let (tx, mut rx) = tokio::sync::oneshot::channel::<()>();
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        let thread = std::thread::Builder::new().name("test-proxy".into()).spawn(move || {
            runtime.block_on(async move {
                let Ok(listener) = TcpListener::from_std(listener) else { return };
                loop {
                    let accepted = tokio::select! {
                        _ = &mut rx => return,
                        a = listener.accept() => a,
                    };
                    if let Ok((stream, _)) = accepted {
                        counter.fetch_add(1, Ordering::SeqCst);
                        tokio::spawn(forward(stream));
                    }
                }
            });
        })?;
        Ok(Proxy { addr, connections, shutdown: Some(tx), thread: Some(thread) })
    }

    /// `http://127.0.0.1:<port>`, usable as the `proxy` setting.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Client connections accepted so far.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Reads the request head; tunnels a CONNECT, or forwards an absolute-form request (rewritten
/// to origin form) and then relays bytes both ways.
async fn forward(client: TcpStream) {
    let mut client = BufReader::new(client);
    let mut head = Vec::new();
    loop {
        let mut line = String::new();
        match client.read_line(&mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let end = line == "\r\n";
        head.push(line);
        if end || head.len() > 100 {
            break;
        }
    }
    let mut parts = head[0].split_whitespace();
    let (Some(method), Some(target)) = (parts.next(), parts.next()) else { return };
    let (authority, rewritten) = if method == "CONNECT" {
        (target.to_owned(), None)
    } else {
        let Some(rest) = target.strip_prefix("http://") else { return };
        let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        let path = if path.is_empty() { "/" } else { path };
        let version = parts.next().unwrap_or("HTTP/1.1");
        let mut first = vec![format!("{method} {path} {version}\r\n")];
        first.extend(head[1..].iter().cloned());
        (authority.to_owned(), Some(first.concat()))
    };
    let loopback = authority.starts_with("127.0.0.1:") || authority.starts_with("localhost:");
    if !loopback {
        let _ = client.get_mut().write_all(b"HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n").await;
        return;
    }
    let Ok(mut upstream) = TcpStream::connect(&authority).await else {
        let _ = client.get_mut().write_all(b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n").await;
        return;
    };
    match rewritten {
        None => {
            if client.get_mut().write_all(b"HTTP/1.1 200 Connection established\r\n\r\n").await.is_err() {
                return;
            }
        }
        Some(head) => {
            if upstream.write_all(head.as_bytes()).await.is_err() {
                return;
            }
        }
    }
    // Bytes the reader already buffered belong to the upstream side.
    let buffered = client.buffer().to_vec();
    if !buffered.is_empty() && upstream.write_all(&buffered).await.is_err() {
        return;
    }
    let mut client = client.into_inner();
    let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
}
