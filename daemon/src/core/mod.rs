//! The protocol core, sans IO (DESIGN.md principle 8): an [`Instance`] takes
//! `(event, now)` and returns [`Action`]s; it never touches a socket or a clock.

pub mod instance;
pub mod receive;
pub mod time;

pub use instance::{Action, Anomaly, Event, Instance, Params, RxAdvert, State, Timer};
pub use time::Time;

#[cfg(test)]
mod tests;
