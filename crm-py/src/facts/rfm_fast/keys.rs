//! Customer keys as the fast RFM reader hashes and compares them: the text
//! of a string key, or the value bytes of an integer key.
//!
//! An integer key's bytes (its `width` bytes in the column, native order)
//! name it exactly, as its decimal text would; they are short, so a slot
//! holds them whole. When the reading is done, [`decimal_keys`] turns each
//! slot's bytes into the decimal text the general reader gives the key
//! (`format!("{v}")`), and the customers are sorted by that text like
//! string keys.

use arrow_array::types::{
    ArrowPrimitiveType, Int16Type, Int32Type, Int64Type, Int8Type, UInt16Type, UInt32Type, UInt64Type, UInt8Type,
};
use arrow_array::{Array, PrimitiveArray};
use arrow_buffer::NullBuffer;

use super::tables::Part;
use crate::arrow_in::{IntCol, KeyCol, StrCol};

/// The customer-id column of one batch.
pub(super) enum Keys<'a> {
    Text(StrCol<'a>),
    Int(IntKeys<'a>),
}

/// An integer customer-id column: its values' bytes, the type's width per row.
#[derive(Clone, Copy)]
pub(super) struct IntKeys<'a> {
    bytes: &'a [u8],
    nulls: Option<&'a NullBuffer>,
    /// The type's width and sign: how the bytes split into rows and read back.
    kind: IntKind,
}

/// The width and sign of an integer key type.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) struct IntKind {
    width: usize,
    signed: bool,
}

fn int_keys<T: ArrowPrimitiveType>(a: &PrimitiveArray<T>, signed: bool) -> IntKeys<'_> {
    IntKeys {
        bytes: a.values().inner().as_slice(),
        nulls: a.nulls().filter(|n| n.null_count() > 0),
        kind: IntKind { width: std::mem::size_of::<T::Native>(), signed },
    }
}

impl<'a> Keys<'a> {
    /// The keys of a customer-id column; `None` for decimals (which are no
    /// key type: [`KeyCol::new`] does not make them).
    pub(super) fn new(c: KeyCol<'a>) -> Option<Keys<'a>> {
        Some(match c {
            KeyCol::Str(s) => Keys::Text(s),
            KeyCol::Int(n) => Keys::Int(match n {
                IntCol::I8(a) => int_keys::<Int8Type>(a, true),
                IntCol::I16(a) => int_keys::<Int16Type>(a, true),
                IntCol::I32(a) => int_keys::<Int32Type>(a, true),
                IntCol::I64(a) => int_keys::<Int64Type>(a, true),
                IntCol::U8(a) => int_keys::<UInt8Type>(a, false),
                IntCol::U16(a) => int_keys::<UInt16Type>(a, false),
                IntCol::U32(a) => int_keys::<UInt32Type>(a, false),
                IntCol::U64(a) => int_keys::<UInt64Type>(a, false),
                _ => return None,
            }),
        })
    }

    /// The key of row `i`, `None` when null.
    #[inline]
    pub(super) fn get(&self, i: usize) -> Option<&'a [u8]> {
        match self {
            Keys::Text(s) => s.get(i).map(str::as_bytes),
            Keys::Int(k) => k.nulls.is_none_or(|n| n.is_valid(i)).then(|| k.bytes(i)).flatten(),
        }
    }

    /// The text of row `i` of a string column (`None` for integer keys,
    /// which slots hold whole).
    pub(super) fn text(&self, i: usize) -> Option<&'a str> {
        match self {
            Keys::Text(s) => s.get(i),
            Keys::Int(_) => None,
        }
    }

    /// The integer kind of the keys, `None` for text.
    pub(super) fn int_kind(&self) -> Option<IntKind> {
        match self {
            Keys::Text(_) => None,
            Keys::Int(k) => Some(k.kind),
        }
    }
}

impl<'a> IntKeys<'a> {
    /// True when the column has no nulls (the typed reader takes it).
    pub(super) fn without_nulls(&self) -> bool {
        self.nulls.is_none()
    }

    /// The sign (true: negative) and magnitude of row `i`, whatever its null bit.
    #[inline(always)]
    pub(super) fn value(&self, i: usize) -> Option<(bool, u64)> {
        self.kind.value(self.bytes(i)?)
    }

    /// The bytes of row `i`, whatever its null bit.
    #[inline(always)]
    pub(super) fn bytes(&self, i: usize) -> Option<&'a [u8]> {
        let w = self.kind.width;
        self.bytes.get(i * w..(i + 1) * w)
    }
}

impl IntKind {
    /// The sign (true: negative) and magnitude of an integer key's bytes.
    fn value(self, b: &[u8]) -> Option<(bool, u64)> {
        fn word<const N: usize>(b: &[u8]) -> Option<[u8; N]> {
            b.get(..N)?.try_into().ok()
        }
        let signed = |v: i64| (v < 0, v.unsigned_abs());
        Some(match (self.width, self.signed) {
            (1, true) => signed(i64::from(i8::from_ne_bytes(word(b)?))),
            (2, true) => signed(i64::from(i16::from_ne_bytes(word(b)?))),
            (4, true) => signed(i64::from(i32::from_ne_bytes(word(b)?))),
            (8, true) => signed(i64::from_ne_bytes(word(b)?)),
            (1, false) => (false, u64::from(word::<1>(b)?[0])),
            (2, false) => (false, u64::from(u16::from_ne_bytes(word(b)?))),
            (4, false) => (false, u64::from(u32::from_ne_bytes(word(b)?))),
            (8, false) => (false, u64::from_ne_bytes(word(b)?)),
            _ => return None,
        })
    }
}

/// The decimal text of `magnitude`, with a minus sign when `negative`,
/// written at the end of `buf` (at most 21 bytes: 20 digits and the sign).
pub(super) fn decimal(negative: bool, magnitude: u64, buf: &mut [u8; 24]) -> &[u8] {
    let mut at = buf.len();
    let mut m = magnitude;
    loop {
        at -= 1;
        buf[at] = b'0' + (m % 10) as u8;
        m /= 10;
        if m == 0 {
            break;
        }
    }
    if negative {
        at -= 1;
        buf[at] = b'-';
    }
    &buf[at..]
}

/// Turns every slot's integer key bytes into the key's decimal text, which
/// the slot then holds as a string key. `None` (the general reader runs)
/// when a text would be longer than a slot holds (more than 16 characters).
pub(super) fn decimal_keys(parts: &mut [Part], kind: IntKind) -> Option<()> {
    let mut buf = [0u8; 24];
    for s in parts.iter_mut().flat_map(|p| p.slots.iter_mut()) {
        let (negative, magnitude) = kind.value(s.key_bytes()?)?;
        s.set_key(decimal(negative, magnitude, &mut buf))?;
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::{ArrayRef, Int16Array, Int64Array, Int8Array, UInt64Array};

    use super::{decimal_keys, Keys};
    use crate::arrow_in::KeyCol;
    use crate::facts::rfm_fast::tables::Part;

    /// The text is Rust's own decimal formatting, at every number of
    /// digits, for both signs and at the ends of the range.
    #[test]
    fn decimal_text_equals_format() {
        let mut buf = [0u8; 24];
        let mut values = vec![0i128, u64::MAX.into(), i64::MIN.into(), i64::MAX.into()];
        for p in 0..20 {
            let t = 10i128.pow(p);
            values.extend([t - 1, t, t + 1, -(t - 1), -t, -(t + 1)]);
        }
        for v in values.into_iter().filter(|v| v.unsigned_abs() <= u128::from(u64::MAX)) {
            let text = super::decimal(v < 0, v.unsigned_abs() as u64, &mut buf);
            assert_eq!(text, format!("{v}").as_bytes(), "{v}");
        }
    }

    /// Every integer type's keys come back as the decimal text the general
    /// reader writes, nulls read as missing, and decimals are declined.
    #[test]
    fn integer_keys_become_their_decimal_text() {
        let columns: Vec<(ArrayRef, Vec<Option<&str>>)> = vec![
            (Arc::new(Int8Array::from(vec![Some(-128), None, Some(7)])), vec![Some("-128"), None, Some("7")]),
            (Arc::new(Int16Array::from(vec![Some(300), Some(-1)])), vec![Some("300"), Some("-1")]),
            (
                Arc::new(Int64Array::from(vec![Some(9_999_999_999_999_999), Some(-999_999_999_999_999), Some(0)])),
                vec![Some("9999999999999999"), Some("-999999999999999"), Some("0")],
            ),
            (Arc::new(UInt64Array::from(vec![Some(1234567890123), None])), vec![Some("1234567890123"), None]),
        ];
        for (array, want) in &columns {
            let keys = Keys::new(KeyCol::new(array).expect("key column")).expect("integer keys");
            let kind = keys.int_kind().expect("integers");
            let mut part = Part::new();
            let mut got = Vec::new();
            for (i, w) in want.iter().enumerate() {
                let key = keys.get(i);
                assert_eq!(key.is_some(), w.is_some(), "row {i}");
                if let Some(key) = key {
                    let hash = (i as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
                    got.push(part.find(key, hash, 0, i as u32));
                }
            }
            decimal_keys(std::slice::from_mut(&mut part), kind).expect("short texts");
            let texts: Vec<&str> =
                got.iter().map(|&n| part.slots[n as usize].key(&[]).expect("text in the slot")).collect();
            let want: Vec<&str> = want.iter().flatten().copied().collect();
            assert_eq!(texts, want);
        }
        // 17 characters: longer than a slot holds, so the general reader runs.
        let long: ArrayRef = Arc::new(Int64Array::from(vec![-1_000_000_000_000_000]));
        let keys = Keys::new(KeyCol::new(&long).expect("key column")).expect("integer keys");
        let mut part = Part::new();
        part.find(keys.get(0).expect("a key"), 1, 0, 0);
        assert!(decimal_keys(std::slice::from_mut(&mut part), keys.int_kind().expect("integers")).is_none());
        let dec: ArrayRef =
            Arc::new(arrow_array::Decimal128Array::from(vec![5]).with_precision_and_scale(10, 0).expect("decimal"));
        assert!(KeyCol::new(&dec).and_then(Keys::new).is_none());
    }
}
