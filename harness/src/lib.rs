//! vrlab: a conformance and fault-injection lab for first-hop redundancy protocols.
//!
//! See DESIGN.md for the map. Each module holds one concern.

pub mod bench;
pub mod capture;
pub mod checks;
pub mod cli;
pub mod daemons;
pub mod doctor;
pub mod events;
pub mod exit;
pub mod expect;
pub mod faults;
pub mod input;
pub mod operator;
pub mod probe;
pub mod process;
pub mod report;
pub mod run;
pub mod rundir;
pub mod sandbox;
pub mod scenario;
pub mod topology;
pub mod wire;
