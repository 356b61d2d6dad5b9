//! The `chiso` command: configuration and the commands that wire the crates together.
//! Each crate does its own job; this one only connects them, in the direction data flows:
//! ingest → warehouse → metrics → dashboards.

pub mod cli;
pub mod config;
pub mod documents;
pub mod follow;
pub mod indicators;
pub mod memory;
pub mod pipeline;
pub mod progress_bars;
pub mod province;
pub mod report_schedule;
pub mod scheduler;
pub mod site;

pub use config::Config;
