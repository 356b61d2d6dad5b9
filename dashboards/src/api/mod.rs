//! JSON endpoints and binary resources, one file per resource.

pub mod charts;
pub mod data;
pub mod downloads;
pub mod evidence;
pub mod freshness;
pub mod health;
pub mod indicators;
pub mod province;
pub mod static_fonts;
pub mod tasks;
