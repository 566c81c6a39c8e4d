//! The scenario file model and its validation.
//!
//! A scenario is daemon-neutral: nodes, segments, virtual routers with their priorities and
//! VIPs, a probe plan, a timeline of faults and waits, and the tolerances the checks allow.
//! `load` refuses a bad file with every problem located by line and column, before anything
//! is built.

mod diag;
pub mod duration;
mod model;
mod net;
mod raw;
mod validate;

pub(crate) use diag::{locate, Diagnostics};
pub use diag::{Diagnostic, ScenarioError};
pub use model::*;
pub use net::{Family, IpNet, IpNetError};
pub use validate::{
    load, load_recorded, parse, parse_recorded, DURATION_MAX, GAP_TOLERANCE_MAX, IFNAME_MAX,
    NAME_MAX, SEGMENT_NAME_MAX, TOLERANCE_MAX,
};
