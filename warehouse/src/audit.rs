//! The audit log: who signed in, who failed to, and who took which export or download, when
//! and from where. Appended in small batches by the service; never rewritten.

use std::sync::Arc;

use arrow::array::{ArrayRef, Int64Array, StringArray, TimestampMicrosecondArray};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use chrono::{DateTime, Utc};
use deltalake::protocol::SaveMode;
use serde::Serialize;

use crate::columns::{instants, int64, utf8};
use crate::{Lake, Result};

/// Name of the table.
pub const TABLE: &str = "audit_log";

/// One audited event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEvent {
    pub at: DateTime<Utc>,
    /// The account name given (for a failed sign-in, what was typed); empty when anonymous.
    pub user: String,
    /// `dang_uy`, `ubnd`, `can_bo`, `khu_pho`; empty when unknown.
    pub role: String,
    /// `sign_in`, `sign_in_failed`, `sign_out`, `export`, `download`, `evidence`, `report`.
    pub action: String,
    /// What was taken: the path and query asked for, or why a sign-in failed.
    pub target: String,
    /// The client's address as the service saw it (after a trusted proxy's header).
    pub address: String,
    /// The HTTP status answered.
    pub status: u16,
}

fn schema() -> SchemaRef {
    let s = |n: &str| Field::new(n, DataType::Utf8, false);
    Arc::new(Schema::new(vec![
        Field::new(
            "at",
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            false,
        ),
        s("user"),
        s("role"),
        s("action"),
        s("target"),
        s("address"),
        Field::new("status", DataType::Int64, false),
    ]))
}

fn spec() -> tables::TableSpec {
    tables::TableSpec {
        name: TABLE.to_string(),
        group: None,
        description: "Nhật ký truy cập: đăng nhập, đăng nhập sai, xuất và tải dữ liệu".to_string(),
        schema: schema(),
        key: vec!["at".to_string(), "user".to_string(), "action".to_string()],
        merge: tables::MergeRule::InsertNew,
        unit_column: None,
    }
}

impl Lake {
    /// Appends `events` in one commit.
    pub async fn log_audit(&self, events: &[AuditEvent]) -> Result<()> {
        if events.is_empty() {
            return Ok(());
        }
        let text = |f: &dyn Fn(&AuditEvent) -> &str| {
            Arc::new(StringArray::from_iter_values(events.iter().map(f))) as ArrayRef
        };
        let batch = arrow::record_batch::RecordBatch::try_new(
            schema(),
            vec![
                Arc::new(
                    TimestampMicrosecondArray::from_iter_values(
                        events.iter().map(|e| e.at.timestamp_micros()),
                    )
                    .with_timezone("UTC"),
                ),
                text(&|e| &e.user),
                text(&|e| &e.role),
                text(&|e| &e.action),
                text(&|e| &e.target),
                text(&|e| &e.address),
                Arc::new(Int64Array::from_iter_values(
                    events.iter().map(|e| i64::from(e.status)),
                )),
            ],
        )?;
        let table = self.table_or_create(&spec()).await?;
        table
            .write(vec![batch])
            .with_save_mode(SaveMode::Append)
            .await?;
        Ok(())
    }

    /// The latest `limit` events, the newest first.
    pub async fn audit_events(&self, limit: usize) -> Result<Vec<AuditEvent>> {
        let Some(table) = self.table(TABLE).await? else {
            return Ok(Vec::new());
        };
        let ctx = datafusion::prelude::SessionContext::new();
        crate::lake::register(&ctx, TABLE, &table).await?;
        let sql = format!(
            "SELECT at, user, role, action, target, address, status FROM {TABLE} \
             ORDER BY at DESC LIMIT {limit}"
        );
        let mut out = Vec::new();
        for b in ctx.sql(&sql).await?.collect().await? {
            let at = instants(b.column(0))?;
            let cols: Vec<Vec<Option<String>>> = (1..6)
                .map(|i| utf8(b.column(i)))
                .collect::<std::result::Result<Vec<_>, _>>()?;
            let status = int64(b.column(6))?;
            for r in 0..b.num_rows() {
                let Some(at) = at[r] else { continue };
                let t = |i: usize| cols[i][r].clone().unwrap_or_default();
                out.push(AuditEvent {
                    at,
                    user: t(0),
                    role: t(1),
                    action: t(2),
                    target: t(3),
                    address: t(4),
                    status: status[r].unwrap_or(0).clamp(0, 999) as u16,
                });
            }
        }
        Ok(out)
    }
}
