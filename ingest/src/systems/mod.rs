//! The source systems: their tables and the rules their records keep.

pub mod market;
pub mod one_stop;
pub mod petitions;
pub mod uploads;
pub mod vneid;
