//! Order statuses read from a text column without a branch on each value's
//! length: the statuses of consecutive rows vary at random, so the length
//! `match` of [`OrderStatus::from_bytes`] mispredicts on a good share of
//! rows. Here every value is read as three zero-padded 8-byte words and
//! compared with the words of all six names.

use arrow_array::OffsetSizeTrait;
use crm_core::model::OrderStatus;

/// Bytes in the three words a value is read as; longer values name no
/// status (the longest name, `partially_refunded`, has 18).
const WORD_BYTES: usize = 24;

/// Each status, its name's length and the name as three zero-padded words.
struct Name {
    status: OrderStatus,
    len: usize,
    words: [u64; 3],
}

fn name(status: OrderStatus) -> Name {
    let text = status.as_str().as_bytes();
    let mut padded = [0u8; WORD_BYTES];
    padded.iter_mut().zip(text).for_each(|(p, &b)| *p = b);
    let word = |k: usize| {
        let mut w = [0u8; 8];
        w.copy_from_slice(&padded[8 * k..8 * k + 8]);
        u64::from_le_bytes(w)
    };
    Name { status, len: text.len(), words: [word(0), word(1), word(2)] }
}

/// The names of the statuses, as [`OrderStatus::from_bytes`] reads them.
fn names() -> [Name; 6] {
    OrderStatus::ALL.map(name)
}

/// The statuses of a text column (offsets into `data`, as Arrow holds them).
pub(super) struct StatusText<'a, O> {
    offsets: &'a [O],
    data: &'a [u8],
    names: [Name; 6],
}

impl<'a, O: OffsetSizeTrait> StatusText<'a, O> {
    pub(super) fn new(offsets: &'a [O], data: &'a [u8]) -> StatusText<'a, O> {
        StatusText { offsets, data, names: names() }
    }

    /// The `len.min(8)` bytes at `at`, zero-padded, as a little-endian word.
    #[inline(always)]
    fn word(&self, at: usize, len: usize) -> u64 {
        let keep = len.min(8);
        let raw = match self.data.get(at..at + 8).and_then(|w| <[u8; 8]>::try_from(w).ok()) {
            Some(w) => u64::from_le_bytes(w),
            // Near the end of the buffer: the bytes there, padded.
            None => {
                let mut w = [0u8; 8];
                for (k, b) in w.iter_mut().enumerate().take(keep) {
                    *b = self.data.get(at + k).copied().unwrap_or(0);
                }
                u64::from_le_bytes(w)
            }
        };
        raw & u64::MAX.checked_shr(64 - 8 * keep as u32).unwrap_or(0)
    }

    /// The status of row `i`, `None` when the text names none (or `i` is out of range).
    #[inline(always)]
    pub(super) fn get(&self, i: usize) -> Option<OrderStatus> {
        let start = self.offsets.get(i)?.as_usize();
        let end = self.offsets.get(i + 1)?.as_usize();
        let len = end.checked_sub(start)?;
        if len > WORD_BYTES {
            return None;
        }
        let words = [
            self.word(start, len),
            self.word(start + 8, len.saturating_sub(8)),
            self.word(start + 16, len.saturating_sub(16)),
        ];
        let mut found = None;
        for n in &self.names {
            let same = (n.len == len) & (n.words[0] == words[0]) & (n.words[1] == words[1]) & (n.words[2] == words[2]);
            found = if same { Some(n.status) } else { found };
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use arrow_array::{Array, LargeStringArray, StringArray};
    use crm_core::model::OrderStatus;

    use super::StatusText;

    /// Every value reads as `OrderStatus::from_bytes` reads it: the six
    /// names, each with a byte changed, cut short, lengthened or given a
    /// trailing NUL, other words, and a value ending at the buffer's end.
    #[test]
    fn reads_what_from_bytes_reads() {
        let mut values: Vec<String> = vec![String::new(), "x".into(), "PAID".into(), "paid ".into(), "y".repeat(40)];
        for n in ["pending", "paid", "fulfilled", "cancelled", "refunded", "partially_refunded"] {
            values.push(n.into());
            values.push(format!("{n}\0"));
            values.push(format!("{n}s"));
            values.push(n[..n.len() - 1].into());
            for k in 0..n.len() {
                let mut b = n.as_bytes().to_vec();
                b[k] ^= 0x20;
                values.extend(String::from_utf8(b).ok());
            }
        }
        values.push("paid".into()); // last: its word reads past the buffer's end
        let array = StringArray::from(values.clone());
        let large = LargeStringArray::from(values.clone());
        let text = StatusText::new(array.value_offsets(), array.value_data());
        let large_text = StatusText::new(large.value_offsets(), large.value_data());
        for (i, v) in values.iter().enumerate() {
            assert_eq!(text.get(i), OrderStatus::from_bytes(v.as_bytes()), "{v:?}");
            assert_eq!(large_text.get(i), OrderStatus::from_bytes(v.as_bytes()), "{v:?}");
        }
        assert_eq!(text.get(values.len()), None);
        // A slice: offsets into the whole buffer.
        let part = array.slice(values.len() - 3, 3);
        let part = part.as_any().downcast_ref::<StringArray>().expect("strings");
        let text = StatusText::new(part.value_offsets(), part.value_data());
        for (k, v) in values[values.len() - 3..].iter().enumerate() {
            assert_eq!(text.get(k), OrderStatus::from_bytes(v.as_bytes()), "{v:?}");
        }
    }
}
