//! End-to-end tests: one binary, one module per area (quicker to build than one binary per
//! file on a small machine).

mod access;
mod api;
mod browser;
mod demo;
mod documents;
mod engines;
mod helpers;
mod hostile;
mod http;
mod indicators;
mod kill;
mod lake;
mod layering;
mod market;
mod petitions;
mod programme;
mod province;
mod readers;
mod rollups;
mod s3;
mod s3_server;
mod schedule;
mod uploads;
mod vneid;
mod ward_fixture;
mod webdriver;
