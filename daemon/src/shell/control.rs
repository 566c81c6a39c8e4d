//! The control socket: one line in ("status"), one JSON document out.

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::UnixListener;
use tokio::sync::{mpsc, oneshot};

pub const DEFAULT_PATH: &str = "/run/vrlabd.sock";

/// A request from a control client to the protocol loop.
pub type StatusRequest = oneshot::Sender<String>;

pub fn serve(path: PathBuf, tx: mpsc::UnboundedSender<StatusRequest>) -> std::io::Result<()> {
    // A socket file left by a crashed run would make bind fail.
    let _ = std::fs::remove_file(&path);
    let listener = UnixListener::bind(&path)?;
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let tx = tx.clone();
            tokio::spawn(async move {
                let (r, mut w) = stream.into_split();
                let mut line = String::new();
                let _ = BufReader::new(r).read_line(&mut line).await;
                let reply = match line.trim() {
                    "status" | "" => {
                        let (otx, orx) = oneshot::channel();
                        if tx.send(otx).is_err() {
                            return;
                        }
                        orx.await
                            .unwrap_or_else(|_| "{\"error\":\"daemon stopping\"}".into())
                    }
                    other => format!("{{\"error\":\"unknown command {other:?}\"}}"),
                };
                let _ = w.write_all(reply.as_bytes()).await;
                let _ = w.write_all(b"\n").await;
            });
        }
    });
    Ok(())
}

/// Client side of `vrlabd status`.
pub fn query(path: &Path) -> std::io::Result<String> {
    let mut s = UnixStream::connect(path)?;
    s.write_all(b"status\n")?;
    let mut out = String::new();
    s.read_to_string(&mut out)?;
    Ok(out)
}
