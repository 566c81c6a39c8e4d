//! Recording: packets (one pcapng per segment) and table changes (bridge FDBs, neighbour
//! caches, addresses, links), on one clock.

pub mod live;
pub mod packets;
pub mod tables;
