//! Spend per (customer, top-level category), stored as compressed rows.

use crate::facts::input::{FactsInput, NO_CATEGORY};
use crate::facts::FactsError;

/// Line nets per customer and top-level category, as compressed sparse rows:
/// customer `i`'s entries are `offsets[i]..offsets[i + 1]` of `category` and
/// `amount`, sorted by category name. Only categories the customer bought
/// (in counted orders) appear.
///
/// ```
/// use crm_core::facts::CategorySpend;
/// let s = CategorySpend {
///     categories: vec!["Books".into(), "Home".into()],
///     offsets: vec![0, 2, 2],
///     category: vec![0, 1],
///     amount: vec![1500, 300],
/// };
/// assert_eq!(s.row(0).collect::<Vec<_>>(), [("Books", 1500), ("Home", 300)]);
/// assert_eq!(s.row(1).count(), 0);
/// assert_eq!(s.top(0), Some(0));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CategorySpend {
    /// Category names, sorted.
    pub categories: Vec<String>,
    /// Row boundaries, one more than there are customers.
    pub offsets: Vec<u32>,
    /// Index into `categories`, ascending within a row.
    pub category: Vec<u32>,
    /// Sum of line nets in that category, minor units.
    pub amount: Vec<i64>,
}

impl CategorySpend {
    /// `(category, amount)` pairs of customer `i`, sorted by name.
    pub fn row(&self, i: usize) -> impl Iterator<Item = (&str, i64)> + '_ {
        let (a, b) = (self.offsets[i] as usize, self.offsets[i + 1] as usize);
        self.category[a..b].iter().zip(&self.amount[a..b]).map(|(&c, &v)| (self.categories[c as usize].as_str(), v))
    }

    /// Index of customer `i`'s category with the highest spend; on a tie the smallest name.
    pub fn top(&self, i: usize) -> Option<u32> {
        let (a, b) = (self.offsets[i] as usize, self.offsets[i + 1] as usize);
        let mut best: Option<(u32, i64)> = None;
        for j in a..b {
            if best.is_none_or(|(_, v)| self.amount[j] > v) {
                best = Some((self.category[j], self.amount[j]));
            }
        }
        best.map(|(c, _)| c)
    }
}

/// True when the lines' customers never decrease (as [`FactsInputBuilder`](crate::facts::FactsInputBuilder) leaves them).
fn lines_grouped_by_customer(input: &FactsInput) -> bool {
    let o = &input.orders.customer;
    input.lines.order.windows(2).all(|w| o[w[0] as usize] <= o[w[1] as usize])
}

/// Sums line nets of counted orders per (customer, category).
#[allow(clippy::needless_range_loop)]
pub(crate) fn category_spend<F>(
    input: &FactsInput,
    order_counted: &[bool],
    convert: F,
) -> Result<CategorySpend, FactsError>
where
    F: Fn(u32, u16, i64) -> Result<i64, FactsError>,
{
    let n = input.customer_ids.len();
    let k = input.categories.len();
    let l = &input.lines;
    let o = &input.orders;
    // Rank categories by name so that rows come out name-sorted.
    let mut by_name: Vec<u32> = (0..k as u32).collect();
    by_name.sort_unstable_by(|&a, &b| input.categories[a as usize].cmp(&input.categories[b as usize]));
    let mut rank = vec![0u32; k];
    for (r, &c) in by_name.iter().enumerate() {
        rank[c as usize] = r as u32;
    }
    let mut out = CategorySpend {
        categories: by_name.iter().map(|&c| input.categories[c as usize].clone()).collect(),
        offsets: Vec::with_capacity(n + 1),
        ..CategorySpend::default()
    };
    out.offsets.push(0);
    let too_many = || FactsError::InvalidInput {
        field: "lines".into(),
        message: format!("more than {} customer-category pairs", u32::MAX),
    };

    if lines_grouped_by_customer(input) {
        // Streaming: one customer's lines at a time into a k-wide scratch row.
        let mut sums = vec![0i64; k];
        let mut seen = vec![false; k];
        let mut touched: Vec<u32> = Vec::new();
        let mut current: usize = 0;
        let flush = |out: &mut CategorySpend, touched: &mut Vec<u32>, sums: &mut [i64], seen: &mut [bool]| {
            touched.sort_unstable();
            for &r in touched.iter() {
                out.category.push(r);
                out.amount.push(sums[r as usize]);
                sums[r as usize] = 0;
                seen[r as usize] = false;
            }
            touched.clear();
            u32::try_from(out.category.len()).map_err(|_| too_many())
        };
        for i in 0..l.order.len() {
            let row = l.order[i] as usize;
            let cat = l.category[i];
            if cat == NO_CATEGORY || !order_counted[row] {
                continue;
            }
            let c = o.customer[row] as usize;
            while current < c {
                let end = flush(&mut out, &mut touched, &mut sums, &mut seen)?;
                out.offsets.push(end);
                current += 1;
            }
            let net = convert(c as u32, o.currency[row], l.net[i])?;
            let r = rank[cat as usize] as usize;
            sums[r] = sums[r].saturating_add(net);
            if !seen[r] {
                seen[r] = true;
                touched.push(r as u32);
            }
        }
        while current < n {
            let end = flush(&mut out, &mut touched, &mut sums, &mut seen)?;
            out.offsets.push(end);
            current += 1;
        }
        return Ok(out);
    }

    // Sparse: sort (customer, rank) keys and sum runs.
    let mut keyed: Vec<(u64, i64)> = Vec::new();
    for i in 0..l.order.len() {
        let row = l.order[i] as usize;
        let cat = l.category[i];
        if cat == NO_CATEGORY || !order_counted[row] {
            continue;
        }
        let c = o.customer[row];
        let net = convert(c, o.currency[row], l.net[i])?;
        keyed.push(((u64::from(c) << 32) | u64::from(rank[cat as usize]), net));
    }
    keyed.sort_unstable_by_key(|&(key, _)| key);
    let mut j = 0;
    for c in 0..n as u64 {
        while j < keyed.len() && keyed[j].0 >> 32 == c {
            let key = keyed[j].0;
            let mut sum: i64 = 0;
            while j < keyed.len() && keyed[j].0 == key {
                sum = sum.saturating_add(keyed[j].1);
                j += 1;
            }
            out.category.push((key & 0xffff_ffff) as u32);
            out.amount.push(sum);
        }
        out.offsets.push(u32::try_from(out.category.len()).map_err(|_| too_many())?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::{compute_facts, FactsInputBuilder, FactsOptions, OrderRow};
    use crate::model::OrderStatus;
    use crate::money::Currency;

    fn input() -> FactsInput {
        let eur = Currency::new("EUR").unwrap();
        let mut b = FactsInputBuilder::new();
        let row = |c| OrderRow {
            customer: c,
            placed_at: 0,
            total: 100,
            discount: 0,
            refunded: 0,
            status: OrderStatus::Paid,
            currency: eur,
        };
        let a1 = b.add_order(row("b"));
        let b1 = b.add_order(row("a"));
        let a2 = b.add_order(OrderRow { status: OrderStatus::Cancelled, ..row("b") });
        b.add_line(a1, Some("Toys"), 30);
        b.add_line(b1, Some("Home"), 70);
        b.add_line(a1, Some("Books"), 20);
        b.add_line(a2, Some("Home"), 999); // cancelled: not counted
        b.add_line(a1, Some("Toys"), 5);
        b.add_line(b1, None, 1);
        b.finish()
    }

    #[test]
    fn streaming_and_sorting_paths_agree() {
        let grouped = input();
        assert!(lines_grouped_by_customer(&grouped));
        let mut scattered = grouped.clone();
        // Reverse the lines: the same data, no longer grouped by customer.
        scattered.lines.order.reverse();
        scattered.lines.category.reverse();
        scattered.lines.net.reverse();
        assert!(!lines_grouped_by_customer(&scattered));
        let opts = FactsOptions::default();
        let a = compute_facts(&grouped, 0, &opts).unwrap();
        let b = compute_facts(&scattered, 0, &opts).unwrap();
        assert_eq!(a, b);
        // a: Home 70; b: Books 20, Toys 35 (by name), top Toys.
        assert_eq!(a.spend_by_category.row(0).collect::<Vec<_>>(), [("Home", 70)]);
        assert_eq!(a.spend_by_category.row(1).collect::<Vec<_>>(), [("Books", 20), ("Toys", 35)]);
        assert_eq!(a.top_category_name(1), Some("Toys"));
        assert_eq!(a.distinct_categories, [1, 2]);
    }

    #[test]
    fn ties_go_to_the_smaller_name() {
        let s = CategorySpend {
            categories: vec!["A".into(), "B".into()],
            offsets: vec![0, 2],
            category: vec![0, 1],
            amount: vec![5, 5],
        };
        assert_eq!(s.top(0), Some(0));
    }
}
