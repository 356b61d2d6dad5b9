//! An S3 server (`moto_server`, PyPI `moto[server]`) started on 127.0.0.1 for a test or a
//! benchmark, and deployments pointed at it. Shared with the benchmarks by path.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// An S3 server on 127.0.0.1, stopped when dropped.
pub struct S3Server {
    child: Child,
    pub endpoint: String,
}

impl S3Server {
    pub fn start() -> S3Server {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new("moto_server")
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto_server (pip install 'moto[server]') starts");
        let server = S3Server {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "moto_server did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        server
    }

    /// Creates a bucket.
    pub async fn bucket(&self, name: &str) {
        let r = reqwest::Client::new()
            .put(format!("{}/{name}", self.endpoint))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{r:?}");
    }

    /// The lake's storage options for this server, as pipelines.toml gives them (the
    /// credentials too: the server takes any).
    pub fn options(&self) -> BTreeMap<String, String> {
        [
            ("endpoint", self.endpoint.as_str()),
            ("region", "us-east-1"),
            ("allow_http", "true"),
            ("access_key_id", "test"),
            ("secret_access_key", "test"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }

    /// The same, as a process reads them from its environment.
    pub fn env(&self, cmd: &mut Command) {
        cmd.env("AWS_ENDPOINT_URL", &self.endpoint)
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ALLOW_HTTP", "true")
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test");
    }

    /// The deployment with its lake moved to `s3://bucket/lake`, written into its
    /// pipelines.toml (so that a `chiso` process reads the same) and loaded again.
    pub fn deploy_to(&self, cfg: &chiso::Config, bucket: &str) -> chiso::Config {
        let path = cfg.base_dir.join("pipelines.toml");
        let options = self
            .options()
            .iter()
            .map(|(k, v)| format!("{k} = \"{v}\""))
            .collect::<Vec<_>>()
            .join(", ");
        let text: Vec<String> = std::fs::read_to_string(&path)
            .unwrap()
            .lines()
            .map(|l| match l.starts_with("location = ") {
                true => format!("location = \"s3://{bucket}/lake\"\noptions = {{ {options} }}"),
                false => l.to_string(),
            })
            .collect();
        std::fs::write(&path, text.join("\n")).unwrap();
        let moved = chiso::Config::load(&path).unwrap();
        assert_eq!(moved.lake.location, format!("s3://{bucket}/lake"));
        moved
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
