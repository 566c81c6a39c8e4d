//! Address families and prefixes as scenarios write them.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

pub use crate::wire::Family;

/// An interface address with its prefix length, `192.0.2.1/24` or `2001:db8::1/64`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IpNet {
    pub addr: IpAddr,
    pub prefix: u8,
}

impl IpNet {
    pub fn family(&self) -> Family {
        Family::of(&self.addr)
    }

    fn max_prefix(addr: &IpAddr) -> u8 {
        match addr {
            IpAddr::V4(_) => 32,
            IpAddr::V6(_) => 128,
        }
    }

    /// The network part as a number, for overlap tests.
    fn bits(addr: &IpAddr) -> u128 {
        match addr {
            IpAddr::V4(a) => u32::from(*a) as u128,
            IpAddr::V6(a) => u128::from(*a),
        }
    }

    /// True when the address has bits beyond the prefix (a host, not a network: a route's
    /// destination must not).
    pub fn host_bits_set(&self) -> bool {
        let shift = (Self::max_prefix(&self.addr) - self.prefix) as u32;
        shift > 0 && shift < 128 && Self::bits(&self.addr) & ((1u128 << shift) - 1) != 0
            || shift == 128 && Self::bits(&self.addr) != 0
    }

    /// True when `addr` lies inside this prefix.
    pub fn contains(&self, addr: &IpAddr) -> bool {
        if Family::of(addr) != self.family() {
            return false;
        }
        let width = Self::max_prefix(&self.addr) as u32;
        let shift = width - self.prefix as u32;
        if shift >= 128 {
            return true;
        }
        (Self::bits(&self.addr) >> shift) == (Self::bits(addr) >> shift)
    }
}

impl fmt::Display for IpNet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IpNetError {
    #[error("`{0}` is not ADDRESS/PREFIX (for example 192.0.2.1/24 or 2001:db8::1/64)")]
    Form(String),
    #[error("`{0}` is not an IP address")]
    Address(String),
    #[error("prefix length {prefix} is too long for {addr} (at most {max})")]
    Prefix { addr: IpAddr, prefix: u32, max: u8 },
}

impl FromStr for IpNet {
    type Err = IpNetError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (a, p) = s
            .split_once('/')
            .ok_or_else(|| IpNetError::Form(s.to_string()))?;
        let addr: IpAddr = a.parse().map_err(|_| IpNetError::Address(a.to_string()))?;
        let prefix: u32 = p.parse().map_err(|_| IpNetError::Form(s.to_string()))?;
        let max = Self::max_prefix(&addr);
        if prefix > max as u32 {
            return Err(IpNetError::Prefix { addr, prefix, max });
        }
        Ok(IpNet {
            addr,
            prefix: prefix as u8,
        })
    }
}

impl Serialize for IpNet {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for IpNet {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_contains() {
        let n: IpNet = "192.0.2.1/24".parse().unwrap();
        assert!(n.contains(&"192.0.2.200".parse().unwrap()));
        assert!(!n.contains(&"192.0.3.1".parse().unwrap()));
        let n6: IpNet = "2001:db8:1::1/64".parse().unwrap();
        assert!(n6.contains(&"2001:db8:1::ffff".parse().unwrap()));
        assert!(!n6.contains(&"192.0.2.1".parse().unwrap()));
        let all: IpNet = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains(&"10.1.1.1".parse().unwrap()));
    }

    #[test]
    fn refuses_bad_prefixes() {
        assert!(matches!(
            "192.0.2.1/33".parse::<IpNet>(),
            Err(IpNetError::Prefix { .. })
        ));
        assert!(matches!(
            "192.0.2.1".parse::<IpNet>(),
            Err(IpNetError::Form(_))
        ));
        assert!(matches!(
            "nope/24".parse::<IpNet>(),
            Err(IpNetError::Address(_))
        ));
    }
}
