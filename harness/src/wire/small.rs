//! A list that keeps its first `N` items inline and spills to the heap only beyond that, so the
//! common frame decodes without allocating.

use std::fmt;

use serde::{Serialize, Serializer};

/// Serialize bytes as a lowercase hex string.
pub(crate) fn ser_hex<T: AsRef<[u8]>, S: Serializer>(b: &T, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&Hex(b.as_ref()))
}

/// Serialize optional bytes as a lowercase hex string or null.
pub(crate) fn ser_hex_opt<T: AsRef<[u8]>, S: Serializer>(
    b: &Option<T>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match b {
        Some(b) => s.collect_str(&Hex(b.as_ref())),
        None => s.serialize_none(),
    }
}

/// Displays bytes as lowercase hex.
pub struct Hex<'a>(pub &'a [u8]);

impl fmt::Display for Hex<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

/// A value to fill unused inline slots with.
pub trait Blank: Copy {
    /// The filler.
    const BLANK: Self;
}

impl Blank for u8 {
    const BLANK: Self = 0;
}
impl Blank for std::net::Ipv4Addr {
    const BLANK: Self = std::net::Ipv4Addr::UNSPECIFIED;
}
impl Blank for std::net::Ipv6Addr {
    const BLANK: Self = std::net::Ipv6Addr::UNSPECIFIED;
}
impl Blank for std::net::IpAddr {
    const BLANK: Self = std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED);
}

/// Up to `N` items inline, more on the heap. Derefs to a slice.
#[derive(Clone)]
pub struct SmallList<T: Blank, const N: usize> {
    len: usize,
    inline: [T; N],
    spill: Vec<T>,
}

impl<T: Blank, const N: usize> SmallList<T, N> {
    /// An empty list (no allocation).
    pub const fn new() -> Self {
        SmallList {
            len: 0,
            inline: [T::BLANK; N],
            spill: Vec::new(),
        }
    }

    /// Append an item; allocates only when the list grows past `N`.
    pub fn push(&mut self, v: T) {
        if self.len < N {
            self.inline[self.len] = v;
        } else {
            if self.spill.is_empty() {
                self.spill.reserve(N * 2);
                self.spill.extend_from_slice(&self.inline);
            }
            self.spill.push(v);
        }
        self.len += 1;
    }

    /// Remove every item, keeping any heap capacity.
    pub fn clear(&mut self) {
        self.len = 0;
        self.spill.clear();
    }

    /// The items.
    pub fn as_slice(&self) -> &[T] {
        if self.len <= N {
            &self.inline[..self.len]
        } else {
            &self.spill
        }
    }

    /// True when the items no longer fit inline.
    pub fn spilled(&self) -> bool {
        self.len > N
    }
}

impl<T: Blank, const N: usize> Default for SmallList<T, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Blank, const N: usize> std::ops::Deref for SmallList<T, N> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        self.as_slice()
    }
}

impl<T: Blank + PartialEq, const N: usize> PartialEq for SmallList<T, N> {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}
impl<T: Blank + Eq, const N: usize> Eq for SmallList<T, N> {}

impl<T: Blank + fmt::Debug, const N: usize> fmt::Debug for SmallList<T, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.as_slice()).finish()
    }
}

impl<T: Blank + Serialize, const N: usize> Serialize for SmallList<T, N> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.as_slice().serialize(s)
    }
}

impl<T: Blank, const N: usize> FromIterator<T> for SmallList<T, N> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        let mut l = SmallList::new();
        for v in iter {
            l.push(v);
        }
        l
    }
}

impl<'a, T: Blank, const N: usize> IntoIterator for &'a SmallList<T, N> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.as_slice().iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_then_spill() {
        let mut l: SmallList<u8, 3> = SmallList::new();
        assert!(l.is_empty());
        for i in 0..3 {
            l.push(i);
        }
        assert!(!l.spilled());
        assert_eq!(&l[..], &[0, 1, 2]);
        l.push(3);
        l.push(4);
        assert!(l.spilled());
        assert_eq!(&l[..], &[0, 1, 2, 3, 4]);
        let m: SmallList<u8, 3> = (0..5).collect();
        assert_eq!(l, m);
    }
}
