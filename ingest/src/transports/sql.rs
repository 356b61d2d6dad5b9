//! Relational sources (the market software's database): one read-only query per declared
//! table, taking only rows whose `updated_at`-style column is at or after the watermark.
//!
//! Every column is cast to text by the database itself, so the rows become the same
//! [`RawRecord`]s a CSV gives and are validated by the same declaration: a value the
//! database holds in a type chiso does not expect is a quarantined row, not a crash.

use futures::TryStreamExt;
use sha2::{Digest, Sha256};
use sqlx::{Connection, Row};

use crate::declared::Dataset;
use crate::raw::RawRecord;
use crate::{FileInfo, IngestError, Result};

/// The database's SQL dialect, from the URL's scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Postgres,
    /// MySQL and MariaDB.
    MySql,
}

impl Dialect {
    /// The dialect of `postgres://…`, `postgresql://…`, `mysql://…` or `mariadb://…`.
    pub fn of(url: &str) -> Option<Dialect> {
        let scheme = url.split("://").next()?.to_ascii_lowercase();
        match scheme.as_str() {
            "postgres" | "postgresql" => Some(Dialect::Postgres),
            "mysql" | "mariadb" => Some(Dialect::MySql),
            _ => None,
        }
    }

    fn quote(self, ident: &str) -> String {
        match self {
            Dialect::Postgres => format!("\"{}\"", ident.replace('"', "\"\"")),
            Dialect::MySql => format!("`{}`", ident.replace('`', "``")),
        }
    }

    fn text(self, expr: &str) -> String {
        match self {
            Dialect::Postgres => format!("CAST({expr} AS TEXT)"),
            Dialect::MySql => format!("CAST({expr} AS CHAR)"),
        }
    }
}

/// One table to read.
#[derive(Debug, Clone)]
pub struct SqlTable<'a> {
    pub dataset: &'a Dataset,
    /// What to select from: a table name, or a read-only query of the source's own.
    pub from: From,
    /// Source column of the watermark (`updated_at`).
    pub watermark_column: String,
    /// Rows changed at or after this local time (`yyyy-MM-dd HH:mm:ss`) are read; `None`
    /// reads everything.
    pub since: Option<String>,
}

/// What a table's rows are selected from.
#[derive(Debug, Clone)]
pub enum From {
    Table(String),
    Query(String),
}

/// The query for one table: every declared column as text, filtered by the watermark.
pub fn query(dialect: Dialect, t: &SqlTable) -> String {
    let q = |c: &str| format!("q.{}", dialect.quote(c));
    let columns = t
        .dataset
        .columns
        .iter()
        .map(|c| {
            format!(
                "{} AS {}",
                dialect.text(&q(c.source)),
                dialect.quote(c.source)
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    let from = match &t.from {
        From::Table(name) => dialect.quote(name),
        From::Query(sql) => format!("({})", sql.trim().trim_end_matches(';')),
    };
    let mark = q(&t.watermark_column);
    let filter = match (&t.since, dialect) {
        (None, _) => String::new(),
        (Some(_), Dialect::Postgres) => format!(" WHERE {mark} >= CAST($1 AS TIMESTAMP)"),
        (Some(_), Dialect::MySql) => format!(" WHERE {mark} >= CAST(? AS DATETIME)"),
    };
    let key = t
        .dataset
        .key
        .iter()
        .filter_map(|k| t.dataset.columns.iter().find(|c| c.name == *k))
        .map(|c| q(c.source))
        .collect::<Vec<_>>();
    let order = std::iter::once(mark.clone())
        .chain(key)
        .collect::<Vec<_>>()
        .join(", ");
    format!("SELECT {columns} FROM {from} AS q{filter} ORDER BY {order}")
}

/// The URL without its password, for logs and provenance.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) => {
            if u.password().is_some() {
                let _ = u.set_password(Some("***"));
            }
            u.to_string()
        }
        Err(_) => url.split('@').next_back().unwrap_or_default().to_string(),
    }
}

/// Reads every table in one read-only transaction, so that the tables agree with each other
/// (a fee collection never arrives before its stall). Each table's rows come back as
/// records numbered by their id, with a [`FileInfo`] named `url#table` whose SHA-256 is that
/// of the rows' text: the same rows give the same batch.
pub async fn fetch(url: &str, tables: &[SqlTable<'_>]) -> Result<Vec<(FileInfo, Vec<RawRecord>)>> {
    let shown = redact(url);
    let fail = |message: String| IngestError::Database {
        url: shown.clone(),
        message,
    };
    let dialect = Dialect::of(url).ok_or_else(|| {
        fail("địa chỉ cơ sở dữ liệu phải bắt đầu bằng postgres:// hoặc mysql://".to_string())
    })?;
    // the two drivers have the same calls on different types; one body serves both
    macro_rules! read_all {
        ($conn:ty, $begin:expr) => {{
            let mut conn = <$conn>::connect(url)
                .await
                .map_err(|e| fail(format!("không kết nối được: {e}")))?;
            sqlx::query($begin)
                .execute(&mut conn)
                .await
                .map_err(|e| fail(e.to_string()))?;
            let mut out = Vec::new();
            for t in tables {
                // built from declared identifiers (quoted) and the deployment's own configured
                // query; the watermark is a bound parameter
                let mut q = sqlx::query(sqlx::AssertSqlSafe(query(dialect, t)));
                if let Some(s) = &t.since {
                    q = q.bind(s.clone());
                }
                let rows: Vec<_> = q
                    .fetch(&mut conn)
                    .try_collect()
                    .await
                    .map_err(|e| fail(format!("bảng {}: {e}", t.dataset.table)))?;
                out.push(records(&shown, t, rows.iter().map(texts))?);
            }
            // read-only: nothing to keep, the end of the transaction only releases the snapshot
            let _ = sqlx::query("ROLLBACK").execute(&mut conn).await;
            let _ = conn.close().await;
            out
        }};
    }
    Ok(match dialect {
        Dialect::Postgres => read_all!(
            sqlx::PgConnection,
            "BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY"
        ),
        Dialect::MySql => read_all!(
            sqlx::MySqlConnection,
            "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY"
        ),
    })
}

fn texts<R: Row>(row: &R) -> Vec<Option<String>>
where
    for<'r> Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    usize: sqlx::ColumnIndex<R>,
{
    (0..row.len())
        .map(|i| row.try_get::<Option<String>, _>(i).ok().flatten())
        .collect()
}

fn records(
    url: &str,
    t: &SqlTable,
    rows: impl Iterator<Item = Vec<Option<String>>>,
) -> Result<(FileInfo, Vec<RawRecord>)> {
    let mut hash = Sha256::new();
    let mut bytes = 0u64;
    let mut out = Vec::new();
    // a person finds a database row by its id, not by where it fell in one run's result
    let id = t
        .dataset
        .key
        .first()
        .and_then(|k| t.dataset.columns.iter().position(|c| c.name == *k));
    for (i, values) in rows.enumerate() {
        let row = id
            .and_then(|p| values.get(p).cloned().flatten())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .unwrap_or(i as u64 + 1);
        let mut fields = std::collections::BTreeMap::new();
        for (c, v) in t.dataset.columns.iter().zip(values) {
            let v = v.unwrap_or_default();
            // a separator no value can hold, so that two different rows never hash alike
            hash.update(v.as_bytes());
            hash.update([0x1f]);
            bytes += v.len() as u64 + 1;
            fields.insert(c.source.to_string(), v);
        }
        hash.update([0x1e]);
        // a database's values are not limited in length: no field is refused for it
        out.push(RawRecord::new(row, fields, usize::MAX));
    }
    let from = match &t.from {
        From::Table(name) => name.clone(),
        From::Query(_) => t.dataset.table.to_string(),
    };
    Ok((
        FileInfo {
            path: format!("{url}#{from}"),
            sha256: hex::encode(hash.finalize()),
            bytes,
            rows: out.len() as u64,
        },
        out,
    ))
}
