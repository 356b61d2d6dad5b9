//! The audit log's writer: events are queued by the request that causes them and written to
//! the lake by one task, a batch per commit, so that a download never waits on a commit.

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};
use warehouse::AuditEvent;

enum Message {
    Event(AuditEvent),
    Flush(oneshot::Sender<()>),
}

/// The queue to the writer.
#[derive(Clone, Debug)]
pub struct Audit {
    tx: mpsc::UnboundedSender<Message>,
}

impl std::fmt::Debug for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("audit message")
    }
}

/// Events kept in memory while the lake refuses writes, at most.
const MAX_PENDING: usize = 100_000;

impl Audit {
    /// Starts the writer on the current runtime.
    pub fn start(lake: Arc<warehouse::Lake>) -> Audit {
        let (tx, mut rx) = mpsc::unbounded_channel::<Message>();
        tokio::spawn(async move {
            let mut pending: Vec<AuditEvent> = Vec::new();
            while let Some(first) = rx.recv().await {
                let mut waiting = Vec::new();
                for m in std::iter::once(first).chain(std::iter::from_fn(|| rx.try_recv().ok())) {
                    match m {
                        Message::Event(e) => pending.push(e),
                        Message::Flush(done) => waiting.push(done),
                    }
                }
                match lake.log_audit(&pending).await {
                    Ok(()) => pending.clear(),
                    Err(e) => {
                        tracing::error!(events = pending.len(), "writing the audit log: {e}");
                        if pending.len() > MAX_PENDING {
                            let drop = pending.len() - MAX_PENDING;
                            tracing::error!(dropped = drop, "audit events dropped");
                            pending.drain(..drop);
                        }
                    }
                }
                for w in waiting {
                    let _ = w.send(());
                }
            }
        });
        Audit { tx }
    }

    /// Queues what `viewer` did from `client`, now.
    pub fn by(
        &self,
        viewer: &crate::auth::Viewer,
        client: &crate::access::Client,
        action: &str,
        target: &str,
        status: u16,
    ) {
        self.record(AuditEvent {
            at: chrono::Utc::now(),
            user: viewer.name().to_string(),
            role: viewer
                .role()
                .map(|r| r.id().to_string())
                .unwrap_or_default(),
            action: action.to_string(),
            target: target.to_string(),
            address: client.address.clone(),
            status,
        });
    }

    /// Queues an event.
    pub fn record(&self, event: AuditEvent) {
        tracing::info!(
            target: "audit",
            user = %event.user,
            action = %event.action,
            target_path = %event.target,
            address = %event.address,
            status = event.status,
            "audit"
        );
        let _ = self.tx.send(Message::Event(event));
    }

    /// Waits until every event queued before is in the lake (or its write failed).
    pub async fn flush(&self) {
        let (done, wait) = oneshot::channel();
        if self.tx.send(Message::Flush(done)).is_ok() {
            let _ = wait.await;
        }
    }
}
