//! Paged JSON APIs (the one-stop system, petition apps): bearer token, timeouts, retries with
//! exponential backoff and jitter (`backon`) on server errors and timeouts, none on client
//! errors, and an updated-since parameter so that each run asks only for what changed.

use std::time::Duration;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use sha2::{Digest, Sha256};

use crate::extract::ExtractFile;
use crate::{FileInfo, IngestError, Result};

/// Where and how to fetch.
#[derive(Debug, Clone)]
pub struct HttpSource {
    /// Endpoint returning pages `{"page", "pageSize", "totalPages", "totalRecords", "data"}`.
    pub url: String,
    pub token: Option<String>,
    pub page_size: u32,
    /// Per request.
    pub timeout: Duration,
    /// Further attempts after the first, for server errors, timeouts and unreadable pages.
    pub max_retries: u32,
    /// First wait between attempts; doubled each time, with up to as much again added at
    /// random.
    pub backoff: Duration,
    /// Query parameter asking only for records changed since a time (the one-stop portal's
    /// `updatedSince`).
    pub since_param: String,
    /// How that time is written, local to the ward, as a chrono format (the portal's
    /// `%Y%m%d%H%M%S`; `%Y-%m-%dT%H:%M:%S%:z` for ISO 8601 with the offset).
    pub since_format: String,
}

/// The one-stop portal's updated-since parameter.
pub const PORTAL_SINCE_PARAM: &str = "updatedSince";
/// The one-stop portal's time format, `yyyyMMddHHmmss`.
pub const PORTAL_SINCE_FORMAT: &str = "%Y%m%d%H%M%S";

/// Checks a chrono format before it is used, so that a typing error in pipelines.toml is
/// found when the file is loaded, not at the first scheduled fetch.
pub fn check_since_format(format: &str) -> std::result::Result<(), String> {
    use chrono::format::{Item, StrftimeItems};
    if format.trim().is_empty() {
        return Err("empty time format".to_string());
    }
    if StrftimeItems::new(format).any(|i| matches!(i, Item::Error)) {
        return Err(format!("“{format}” is not a valid chrono time format"));
    }
    Ok(())
}

/// `t` in the ward's time zone, written as `format`.
fn since_text(t: DateTime<Utc>, tz: Tz, format: &str) -> std::result::Result<String, String> {
    use std::fmt::Write;
    check_since_format(format)?;
    let mut out = String::new();
    write!(out, "{}", t.with_timezone(&tz).format(format))
        .map_err(|_| format!("time format “{format}” cannot write {t}"))?;
    Ok(out)
}

fn fail(url: &str, message: String) -> IngestError {
    IngestError::Format {
        path: std::path::PathBuf::from(url),
        message,
    }
}

/// Fetches every page changed since `updated_since` (sent as `since_param`, local time in
/// `tz` written as `since_format`), in order. Any page that cannot be had after the retries
/// fails the whole fetch: a batch is all its pages or nothing.
pub async fn fetch_pages(
    src: &HttpSource,
    updated_since: Option<DateTime<Utc>>,
    tz: Tz,
) -> Result<Vec<ExtractFile>> {
    let client = reqwest::Client::builder()
        .timeout(src.timeout)
        .build()
        .map_err(|e| fail(&src.url, format!("HTTP client: {e}")))?;
    let since = updated_since
        .map(|t| since_text(t, tz, &src.since_format))
        .transpose()
        .map_err(|m| fail(&src.url, m))?;
    let mut pages = Vec::new();
    let mut page = 1u32;
    loop {
        let mut query = vec![
            ("page", page.to_string()),
            ("pageSize", src.page_size.to_string()),
        ];
        if let Some(s) = &since {
            query.push((src.since_param.as_str(), s.clone()));
        }
        let (body, total) = fetch_page(&client, src, &query, page).await?;
        let text = String::from_utf8(body.clone())
            .map_err(|_| fail(&src.url, format!("trang {page}: không phải UTF-8")))?;
        pages.push(ExtractFile {
            info: FileInfo {
                path: format!("{}?page={page}", src.url),
                sha256: hex::encode(Sha256::digest(&body)),
                bytes: body.len() as u64,
                rows: 0,
            },
            text,
        });
        if page >= total {
            return Ok(pages);
        }
        page += 1;
    }
}

/// Why one attempt at a page failed, and whether asking again can help.
struct Attempt {
    message: String,
    again: bool,
}

/// One page with its retries (exponential backoff with jitter, so that many clients retrying
/// after an outage do not all come back at the same instant); returns the body and
/// `totalPages`.
async fn fetch_page(
    client: &reqwest::Client,
    src: &HttpSource,
    query: &[(&str, String)],
    page: u32,
) -> Result<(Vec<u8>, u32)> {
    use backon::Retryable;
    let policy = backon::ExponentialBuilder::default()
        .with_min_delay(src.backoff)
        .with_max_delay(src.backoff.saturating_mul(1 << 10))
        .with_max_times(src.max_retries as usize)
        .with_jitter();
    let mut attempts = 1;
    let once = || async {
        let mut req = client.get(&src.url).query(query);
        if let Some(t) = &src.token {
            req = req.bearer_auth(t);
        }
        let again = |message: String| Attempt {
            message,
            again: true,
        };
        match req.send().await {
            // the request itself is wrong (token, parameters): asking again cannot help
            Ok(resp) if resp.status().is_client_error() => Err(Attempt {
                message: format!(
                    "trang {page}: máy chủ từ chối yêu cầu ({}); kiểm tra mã truy cập và địa chỉ",
                    resp.status()
                ),
                again: false,
            }),
            Ok(resp) if resp.status().is_success() => match resp.bytes().await {
                Ok(body) => match total_pages(&body) {
                    Some(total) => Ok((body.to_vec(), total)),
                    None => Err(again(format!(
                        "trang {page}: nội dung không phải trang JSON hợp lệ"
                    ))),
                },
                Err(e) => Err(again(format!("trang {page}: {e}"))),
            },
            Ok(resp) => Err(again(format!(
                "trang {page}: lỗi máy chủ {}",
                resp.status()
            ))),
            Err(e) if e.is_timeout() => Err(again(format!("trang {page}: quá thời gian chờ"))),
            Err(e) => Err(again(format!("trang {page}: {e}"))),
        }
    };
    once.retry(policy)
        .sleep(tokio::time::sleep)
        .when(|e: &Attempt| e.again)
        .notify(|e: &Attempt, _| {
            tracing::warn!("{}: {} (lần thử {attempts})", src.url, e.message);
            attempts += 1;
        })
        .await
        .map_err(|e| {
            if e.again {
                fail(
                    &src.url,
                    format!(
                        "{}; đã thử {} lần, lô bị hủy",
                        e.message,
                        src.max_retries + 1
                    ),
                )
            } else {
                fail(&src.url, e.message)
            }
        })
}

fn total_pages(body: &[u8]) -> Option<u32> {
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    v.get("data")?.as_array()?;
    Some(v.get("totalPages")?.as_u64()?.max(1) as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_is_local_time_in_the_configured_format() {
        // 01:30 UTC on 5 March is 08:30 in Hồ Chí Minh (UTC+7)
        let t = DateTime::parse_from_rfc3339("2026-03-05T01:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let tz = chrono_tz::Asia::Ho_Chi_Minh;
        assert_eq!(
            since_text(t, tz, PORTAL_SINCE_FORMAT).unwrap(),
            "20260305083000"
        );
        assert_eq!(
            since_text(t, tz, "%Y-%m-%dT%H:%M:%S%:z").unwrap(),
            "2026-03-05T08:30:00+07:00"
        );
        assert!(check_since_format("%Y-%m-%Q").is_err());
        assert!(check_since_format("").is_err());
    }

    #[test]
    fn pages_must_be_pages() {
        assert_eq!(total_pages(br#"{"totalPages":3,"data":[]}"#), Some(3));
        assert_eq!(total_pages(br#"{"totalPages":0,"data":[]}"#), Some(1));
        assert_eq!(total_pages(br#"{"totalPages":3}"#), None);
        assert_eq!(total_pages(b"<html>"), None);
    }
}
