//! The IO shell around the protocol core: Linux sockets, the VMAC macvlan
//! and addresses (rtnetlink), sysctls, tracking, hooks and the control
//! socket. [`daemon::run`] is the event loop tying them to the core.

pub mod control;
pub mod daemon;
pub mod guardian;
pub mod hooks;
pub mod netlink;
pub mod nlqueue;
pub mod sockets;
pub mod sysctl;
pub mod track;
