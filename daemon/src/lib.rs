//! vrlabd: a VRRPv3 (RFC 9568, RFC 5798) and VRRPv2 (RFC 3768) daemon.
//!
//! - [`packet`]: the wire codec (advertisements, and the ARP/NA/Ethernet frames
//!   sent from the virtual router MAC). Pure, never panics on input.
//! - [`core`]: the protocol state machine, sans IO: `(event, now) -> actions`,
//!   timers as data, driven by a virtual clock in tests.
//! - [`config`]: the TOML configuration and its validation.
//! - [`shell`]: the Linux IO around the core (raw sockets, macvlan VMAC
//!   interfaces via rtnetlink, sysctls, tracking, hooks, control socket).

pub mod config;
pub mod core;
pub mod packet;
pub mod shell;
