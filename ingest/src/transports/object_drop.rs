//! File drops on object storage: a prefix such as `s3://bucket/exports/*.csv` (or
//! `file:///srv/drop/*.xlsx`) is listed through `object_store`, and the objects matching the
//! pattern are copied into a staging folder, so every reader works on local files whatever
//! the store.

use std::path::Path;

use futures::TryStreamExt;
use object_store::ObjectStoreExt;

use crate::extract::SourceFile;
use crate::{IngestError, Result};

/// True when `pattern` names objects in a store rather than local files.
pub fn is_object_url(pattern: &str) -> bool {
    pattern.contains("://")
}

fn fail(pattern: &str, message: String) -> IngestError {
    IngestError::Format {
        path: pattern.into(),
        message,
    }
}

/// The store holding `url` and the path in it. S3's endpoint, region and credentials come from
/// the environment's `AWS_*` variables, as for the lake.
fn open_store(
    url: &url::Url,
) -> object_store::Result<(Box<dyn object_store::ObjectStore>, object_store::path::Path)> {
    match url.scheme() {
        "s3" | "s3a" => {
            let store = object_store::aws::AmazonS3Builder::from_env()
                .with_url(url.as_str())
                .build()?;
            let path = object_store::path::Path::from_url_path(url.path())?;
            Ok((Box::new(store), path))
        }
        _ => object_store::parse_url(url),
    }
}

/// The objects matching `pattern` (`*` within a name, `**` across folders), sorted, copied
/// into `staging`; each is named to people by its URL.
pub async fn fetch(pattern: &str, staging: &Path) -> Result<Vec<SourceFile>> {
    let url = url::Url::parse(pattern)
        .map_err(|e| fail(pattern, format!("địa chỉ không hợp lệ: {e}")))?;
    let (store, path) =
        open_store(&url).map_err(|e| fail(pattern, format!("không mở được kho lưu trữ: {e}")))?;
    let wanted = path.as_ref().to_string();
    let literal: Vec<&str> = wanted
        .split('/')
        .take_while(|s| !s.contains(['*', '?', '[']))
        .collect();
    let prefix = object_store::path::Path::from(literal.join("/"));
    let matcher = glob::Pattern::new(&wanted)
        .map_err(|e| fail(pattern, format!("mẫu tên tệp không hợp lệ: {e}")))?;
    let mut found: Vec<object_store::path::Path> = store
        .list(Some(&prefix))
        .map_ok(|meta| meta.location)
        .try_collect::<Vec<_>>()
        .await
        .map_err(|e| fail(pattern, format!("không liệt kê được: {e}")))?
        .into_iter()
        .filter(|p| matcher.matches(p.as_ref()))
        .collect();
    found.sort();
    let root = pattern
        .find(path.as_ref().split('/').next().unwrap_or_default())
        .map(|i| &pattern[..i])
        .unwrap_or(pattern);
    let mut out = Vec::new();
    for (i, location) in found.into_iter().enumerate() {
        let bytes = store
            .get(&location)
            .await
            .map_err(|e| fail(pattern, format!("không tải được {location}: {e}")))?
            .bytes()
            .await
            .map_err(|e| fail(pattern, format!("không tải được {location}: {e}")))?;
        // a numbered copy keeps two objects of the same name in different folders apart,
        // and the name keeps the extension the readers go by
        let name = location.filename().unwrap_or("object");
        let local = staging.join(format!("{i:05}-{name}"));
        std::fs::write(&local, &bytes).map_err(|source| IngestError::Io {
            path: local.clone(),
            source,
        })?;
        out.push(SourceFile::new(local, format!("{root}{location}")));
    }
    Ok(out)
}
