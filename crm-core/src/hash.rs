//! The crate's fast, unkeyed hasher for tables built and dropped within one call.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A fast hasher for integer keys and short strings (a multiply-xorshift
/// mixes every input bit into the high bits). Unlike the default hasher it is
/// not keyed, which is fine for tables that live for one computation over the
/// shop's own ids and catalogue.
#[derive(Default)]
pub(crate) struct FastHasher(u64);

impl Hasher for FastHasher {
    fn finish(&self) -> u64 {
        let x = self.0.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        x ^ (x >> 31)
    }

    fn write(&mut self, bytes: &[u8]) {
        // The length first, so that zero padding cannot make two inputs equal.
        self.write_u64(bytes.len() as u64);
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(23) ^ n).wrapping_mul(0xFF51_AFD7_ED55_8CCD);
    }
}

/// A hash map with [`FastHasher`].
pub(crate) type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;
