//! Building the ledger's index fast: customer ids interned to their rank in
//! id order, events sorted by (customer, channel) with a radix sort on those
//! integers, then by time, precedence and content within each (customer, channel).
//!
//! Every pass reads memory in order, or at addresses that do not depend on
//! the previous read, and the two sort buffers are shared by both sorts: in
//! a hash table each lookup would wait on a cache miss, and fresh memory
//! costs a page fault per 4 KiB.

use std::collections::HashMap;

use super::fold::{code, order, Slot, When};
use crate::model::{Channel, ConsentEvent, Customer};

/// Column of a channel (email, sms, call, push).
pub(crate) fn channel_index(c: Channel) -> usize {
    match c {
        Channel::Email => 0,
        Channel::Sms => 1,
        Channel::Call => 2,
        Channel::Push => 3,
    }
}

/// The top 32 bits of a 64-bit hash of an id (8-byte words, multiply-xor,
/// then a full avalanche).
fn hash32(s: &str) -> u32 {
    let bytes = s.as_bytes();
    let mut h = 0x243F_6A88_85A3_08D3u64 ^ (bytes.len() as u64);
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        h = (h ^ u64::from_le_bytes(w)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        h ^= h >> 29;
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut w = [0u8; 8];
        w[..rest.len()].copy_from_slice(rest);
        h = (h ^ u64::from_le_bytes(w)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
    h ^= h >> 30;
    h = h.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    h ^= h >> 27;
    h = h.wrapping_mul(0x94D0_49BB_1331_11EB);
    ((h ^ (h >> 31)) >> 32) as u32
}

/// An event's [`code`] uses the low five bits of a byte; while indexing, the
/// channel rides above them.
const CODE: u8 = 31;
const CHANNEL_SHIFT: u8 = 5;

/// The index of a store's consent events.
pub(crate) struct Index<'a> {
    /// Customer ids, sorted and unique: store customers and ids named by events.
    pub(crate) ids: Vec<&'a str>,
    /// Row (position in `ids`) of each store customer.
    pub(crate) customer_rows: Vec<u32>,
    /// Events sorted by (row, channel, time, rank, content).
    pub(crate) slots: Vec<Slot>,
    /// The code of each sorted event.
    pub(crate) codes: Vec<u8>,
    /// Start of (row, channel) at `4 * row + channel`; one more at the end.
    pub(crate) offsets: Vec<u32>,
}

/// Indexes the events; the caller has checked that customers and events
/// together number less than 2³⁰.
pub(crate) fn build<'a>(customers: &'a [Customer], events: &'a [ConsentEvent]) -> Index<'a> {
    let c = customers.len();
    let n = c + events.len();
    // One pass over the store: every id's bytes into an arena, each event's time and code.
    let name = |i: usize| match i.checked_sub(c) {
        None => customers[i].id.as_str(),
        Some(j) => events[j].customer_id.as_str(),
    };
    let mut names = Names::with_capacity(n, (0..n).step_by(n / 1024 + 1).map(|i| name(i).len()));
    let mut a: Vec<(u32, u32)> = Vec::with_capacity(n);
    for (i, id) in customers.iter().map(|x| x.id.as_str()).enumerate() {
        a.push((hash32(id), i as u32));
        names.push(id.as_bytes());
    }
    let mut when = Vec::with_capacity(events.len());
    let mut coded = Vec::with_capacity(events.len());
    for (j, e) in events.iter().enumerate() {
        a.push((hash32(&e.customer_id), (c + j) as u32));
        names.push(e.customer_id.as_bytes());
        when.push(When::of(e.at));
        coded.push(code(e) | (channel_index(e.channel) as u8) << CHANNEL_SHIFT);
    }
    let mut b = Vec::new();
    let (rows, by_id, first) = intern(&mut a, &mut b, &names);
    drop(names);
    let ids: Vec<&str> = by_id.iter().map(|&k| name(first[k as usize] as usize)).collect();
    let customer_rows = rows[..c].to_vec();
    a.clear();
    a.extend(
        rows[c..]
            .iter()
            .zip(&coded)
            .enumerate()
            .map(|(j, (&row, &k))| (4 * row + u32::from(k >> CHANNEL_SHIFT), j as u32)),
    );
    drop(rows);
    let groups = 4 * ids.len();
    radix_sort(&mut a, &mut b, u32::BITS - (groups as u32).saturating_sub(1).leading_zeros());
    drop(b);
    let mut offsets = vec![0u32; groups + 1];
    for &(g, _) in &a {
        offsets[g as usize + 1] += 1;
    }
    for g in 0..groups {
        offsets[g + 1] += offsets[g];
    }
    let mut slots: Vec<Slot> = a.iter().map(|&(_, j)| Slot { when: when[j as usize], index: j }).collect();
    let mut codes: Vec<u8> = a.iter().map(|&(_, j)| coded[j as usize] & CODE).collect();
    drop((a, when, coded));
    order_groups(&mut slots, &mut codes, &offsets, events);
    Index { ids, customer_rows, slots, codes, offsets }
}

/// Sorts each (customer, channel) group by [`order`]: time, rank, content.
/// Groups are small and mostly sorted already; those are left alone.
fn order_groups(slots: &mut [Slot], codes: &mut [u8], offsets: &[u32], events: &[ConsentEvent]) {
    let mut run: Vec<(Slot, u8)> = Vec::new();
    for w in offsets.windows(2) {
        let (lo, hi) = (w[0] as usize, w[1] as usize);
        if hi - lo < 2 {
            continue;
        }
        run.clear();
        run.extend(slots[lo..hi].iter().copied().zip(codes[lo..hi].iter().copied()));
        if run.windows(2).all(|p| order(p[0], p[1], events).is_lt()) {
            continue;
        }
        run.sort_unstable_by(|x, y| order(*x, *y, events));
        for (k, &(s, code)) in run.iter().enumerate() {
            slots[lo + k] = s;
            codes[lo + k] = code;
        }
    }
}

/// The bytes of many ids, one after the other.
struct Names {
    arena: Vec<u8>,
    /// End of each id in `arena`, after a leading 0.
    ends: Vec<usize>,
}

impl Names {
    /// Room for `n` ids whose lengths are like those of `sample`: reserving
    /// generously costs nothing until written, while growing copies the arena.
    fn with_capacity(n: usize, sample: impl Iterator<Item = usize>) -> Names {
        let (count, total) = sample.fold((0usize, 0usize), |(k, t), len| (k + 1, t + len));
        let mean = total.div_ceil(count.max(1));
        let mut ends = Vec::with_capacity(n + 1);
        ends.push(0);
        Names { arena: Vec::with_capacity(n.saturating_mul(mean + mean / 2 + 1)), ends }
    }

    fn len_of(&self, i: u32) -> usize {
        self.ends[i as usize + 1] - self.ends[i as usize]
    }

    fn push(&mut self, id: &[u8]) {
        self.arena.extend_from_slice(id);
        self.ends.push(self.arena.len());
    }

    fn get(&self, i: u32) -> &[u8] {
        &self.arena[self.ends[i as usize]..self.ends[i as usize + 1]]
    }
}

/// Gives each id of `names` a code, its position among the distinct ids in
/// sorted order. `a` holds (32-bit hash, position) for every id (and is
/// left sorted); returns the code of each id, the codes' first positions in
/// id order, and the first position of each code before renumbering.
///
/// Sorts the pairs with a radix sort and gives each run of equal hashes one
/// code, then checks every id byte for byte, in order, against the first id
/// of its code. Ids that share a hash with a different id get codes of their
/// own from a hash map: a collision costs a little time, never a wrong code.
fn intern(a: &mut Vec<(u32, u32)>, b: &mut Vec<(u32, u32)>, names: &Names) -> (Vec<u32>, Vec<u32>, Vec<u32>) {
    let n = a.len();
    radix_sort(a, b, 32);
    let mut code = vec![0u32; n];
    let mut first: Vec<u32> = Vec::new();
    let mut k = 0;
    while k < n {
        let (h, head) = a[k];
        while k < n && a[k].0 == h {
            code[a[k].1 as usize] = first.len() as u32;
            k += 1;
        }
        first.push(head);
    }
    // The first id of each code, copied compactly so that checking every id against it stays in cache.
    let mut canon = Names::with_capacity(first.len(), (0..n).step_by(n / 1024 + 1).map(|i| names.len_of(i as u32)));
    for &i in &first {
        canon.push(names.get(i));
    }
    let collided: Vec<u32> = (0..n as u32).filter(|&i| names.get(i) != canon.get(code[i as usize])).collect();
    let mut extra: HashMap<&[u8], u32> = HashMap::new();
    for i in collided {
        let next = first.len() as u32;
        let c = *extra.entry(names.get(i)).or_insert(next);
        if c == next {
            first.push(i);
            canon.push(names.get(i));
        }
        code[i as usize] = c;
    }
    let by_id = sorted_codes(first.len(), |c| canon.get(c));
    let mut rank = vec![0u32; first.len()];
    for (r, &c) in by_id.iter().enumerate() {
        rank[c as usize] = r as u32;
    }
    for c in &mut code {
        *c = rank[*c as usize];
    }
    (code, by_id, first)
}

/// Sorts `v` stably by the low `bits` bits of the first field, 8 bits a
/// pass, using `tmp` as the second buffer.
fn radix_sort(v: &mut Vec<(u32, u32)>, tmp: &mut Vec<(u32, u32)>, bits: u32) {
    tmp.clear();
    tmp.resize(v.len(), (0, 0));
    let mut shift = 0;
    while shift < bits {
        let mut starts = [0usize; 257];
        for x in v.iter() {
            starts[(x.0 >> shift) as usize % 256 + 1] += 1;
        }
        for d in 0..256 {
            starts[d + 1] += starts[d];
        }
        for x in v.iter() {
            let d = (x.0 >> shift) as usize % 256;
            tmp[starts[d]] = *x;
            starts[d] += 1;
        }
        std::mem::swap(v, tmp);
        shift += 8;
    }
}

/// Codes `0..n` in the order of their ids' bytes (`bytes(c)`). Sorts on the
/// first sixteen bytes as an integer, then compares whole ids only within
/// runs that share them.
fn sorted_codes<'b>(n: usize, bytes: impl Fn(u32) -> &'b [u8]) -> Vec<u32> {
    let prefix = |b: &[u8]| {
        let mut w = [0u8; 16];
        let k = b.len().min(16);
        w[..k].copy_from_slice(&b[..k]);
        u128::from_be_bytes(w)
    };
    let mut keyed: Vec<(u128, u32)> = (0..n as u32).map(|c| (prefix(bytes(c)), c)).collect();
    keyed.sort_unstable();
    let mut start = 0;
    while start < keyed.len() {
        let end = start + keyed[start..].iter().position(|k| k.0 != keyed[start].0).unwrap_or(keyed.len() - start);
        if end - start > 1 {
            keyed[start..end].sort_unstable_by(|x, y| bytes(x.1).cmp(bytes(y.1)));
        }
        start = end;
    }
    keyed.into_iter().map(|(_, c)| c).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(ids: &[&str], hash: impl Fn(&str) -> u32) {
        let mut names = Names::with_capacity(0, std::iter::empty());
        let mut a = Vec::new();
        for (i, id) in ids.iter().enumerate() {
            names.push(id.as_bytes());
            a.push((hash(id), i as u32));
        }
        let (code, by_id, first) = intern(&mut a, &mut Vec::new(), &names);
        let sorted: Vec<&str> = by_id.iter().map(|&c| ids[first[c as usize] as usize]).collect();
        let mut distinct = ids.to_vec();
        distinct.sort_unstable();
        distinct.dedup();
        assert_eq!(sorted, distinct);
        for (s, c) in ids.iter().zip(&code) {
            assert_eq!(sorted[*c as usize], *s);
        }
    }

    #[test]
    fn interning_is_exact_and_in_id_order() {
        let owned: Vec<String> = (0..5000).map(|i| format!("id-{}", (i * 7) % 1234)).collect();
        let ids: Vec<&str> = owned.iter().map(String::as_str).collect();
        check(&ids, hash32);
        check(&[], hash32);
    }

    #[test]
    fn hash_collisions_cost_time_not_correctness() {
        let ids = ["b", "a", "ab", "a", "", "ba", "b", "abc", "é", "ab", "ba"];
        check(&ids, |s: &str| s.len() as u32);
        check(&ids, |s: &str| s.bytes().map(u32::from).sum());
        check(&ids, |_: &str| 7);
    }

    #[test]
    fn ids_sort_as_strings() {
        let ids = [
            "customer-10",
            "customer-9",
            "b",
            "",
            "customer-1",
            "a\u{e9}",
            "a",
            "customer-0000000001",
            "customer-0000000000",
        ];
        let order: Vec<&str> =
            sorted_codes(ids.len(), |c| ids[c as usize].as_bytes()).iter().map(|&c| ids[c as usize]).collect();
        let mut expected = ids.to_vec();
        expected.sort_unstable();
        assert_eq!(order, expected);
    }

    #[test]
    fn radix_sort_is_stable() {
        let mut v: Vec<(u32, u32)> = (0..1000).map(|i| ((i * 7919) % 13 + ((i % 3) << 20), i)).collect();
        let mut expected = v.clone();
        expected.sort_by_key(|x| x.0);
        radix_sort(&mut v, &mut Vec::new(), 24);
        assert_eq!(v, expected);
    }
}
