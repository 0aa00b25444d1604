//! Building the customer table from a store: facts, RFM, customer attributes,
//! consent, seasons, brand tiers, supplied LTV predictions and purchase lines.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate};
use serde_json::Value;

use super::table::{days_from_date, Column, CustomerTable, Purchases};
use super::{rfm_scores, RfmOptions, SegmentError};
use crate::consent::{ConsentPolicy, Ledger};
use crate::error::Error;
use crate::facts::{customer_facts, guest_key, status_as_of, CustomerFacts, FactsOptions};
use crate::model::{Channel, Customer, OrderStatus, Purpose, Store};
use crate::time::{to_micros, Instant, TimeZone};

/// Countries (ISO 3166-1 alpha-2) treated as southern hemisphere for seasons.
pub const SOUTHERN_COUNTRIES: &[&str] = &[
    "AR", "AU", "BO", "BR", "BW", "CL", "FJ", "LS", "MG", "MU", "MW", "MZ", "NA", "NZ", "PE", "PY", "SZ", "UY", "ZA",
    "ZM", "ZW",
];

/// Options of [`CustomerTable::from_store`].
#[derive(Clone, Debug, Default)]
pub struct TableOptions {
    /// Facts options (abandonment idle time, exchange rates).
    pub facts: FactsOptions,
    /// RFM options for the `r`, `f`, `m` fields.
    pub rfm: RfmOptions,
    /// The store's time zone (`TODAY`, date literals, calendar months); default UTC.
    pub time_zone: Option<TimeZone>,
    /// Brand → tier (`premium`, `mid`, `budget`, or any name), for the `<tier>_brand_share` fields.
    pub brand_tiers: BTreeMap<String, String>,
    /// The RFM segment map of the `segment` field (default: the `seed` preset).
    pub segments: Option<super::SegmentMap>,
    /// Predictions per customer (`{"clv": {"c1": 120.5}}`) that become `ltv.clv` fields.
    pub ltv: BTreeMap<String, BTreeMap<String, f64>>,
}

impl CustomerTable {
    /// The facts fields of a table (`order_count`, `net_spend`, `last_order_at`
    /// … and `top_category_share`, listed in `docs/segments.md`), one row per
    /// customer of the facts, as of `as_of` (µs). [`CustomerTable::from_store`]
    /// adds the other fields.
    ///
    /// # Errors
    /// None in practice (the columns have the facts' length).
    pub fn from_facts(f: &CustomerFacts, as_of: i64) -> Result<CustomerTable, SegmentError> {
        let mut t = CustomerTable::new(f.customer_id.iter(), as_of);
        let n = t.len();
        let money =
            |v: &[i64]| Column::Money { minor: v.iter().map(|&x| Some(x)).collect(), currency: f.currency.clone() };
        let opt_money = |v: &[Option<i64>]| Column::Money { minor: v.to_vec(), currency: f.currency.clone() };
        let int = |v: &[u32]| Column::Int(v.iter().map(|&x| Some(i64::from(x))).collect());
        let top_share: Vec<Option<f64>> = (0..n)
            .map(|i| {
                let total: i64 = f.spend_by_category.row(i).map(|(_, v)| v).sum();
                let top = f.spend_by_category.row(i).map(|(_, v)| v).max()?;
                (total > 0).then(|| top as f64 / total as f64)
            })
            .collect();
        let cols: Vec<(&str, Column)> = vec![
            ("customer_id", Column::text(f.customer_id.iter().map(Some))),
            ("first_order_at", Column::Instant(f.first_order_at.clone())),
            ("last_order_at", Column::Instant(f.last_order_at.clone())),
            ("order_count", int(&f.order_count)),
            ("net_spend", money(&f.net_spend)),
            ("currency", Column::text(f.currency.iter().map(|c| c.as_ref().map(|c| c.code())))),
            ("average_order_value", opt_money(&f.average_order_value)),
            ("days_since_last_order", Column::Int(f.days_since_last_order.clone())),
            ("tenure_days", Column::Int(f.tenure_days.clone())),
            ("distinct_categories", int(&f.distinct_categories)),
            ("top_category", Column::text((0..n).map(|i| f.top_category_name(i)))),
            ("top_category_share", Column::Float(top_share)),
            ("discounted_order_share", Column::Float(f.discounted_order_share.clone())),
            ("refund_count", int(&f.refund_count)),
            ("refund_amount", money(&f.refund_amount)),
            ("abandoned_cart_count", int(&f.abandoned_cart_count)),
            ("last_abandoned_at", Column::Instant(f.last_abandoned_at.clone())),
            ("last_activity_at", Column::Instant(f.last_activity_at.clone())),
        ];
        for (name, c) in cols {
            t.insert(name, c)?;
        }
        t.category_spend = Some(f.spend_by_category.clone());
        Ok(t)
    }

    /// Every field rules can read, for every customer of the store, as of `as_of`.
    /// The fields are listed in `docs/segments.md`.
    ///
    /// # Errors
    /// The facts errors (mixed currencies without rates, …). RFM fields that
    /// cannot be computed (mixed currencies) are left out and named in
    /// [`CustomerTable::unavailable`].
    ///
    /// ```
    /// use crm_core::model::Store;
    /// use crm_core::segment::{CustomerTable, TableOptions};
    /// use crm_core::time::parse_instant;
    /// let store = Store::from_json(r#"{"customers": [{"id": "c1", "created_at": "2024-01-01T00:00:00Z",
    ///   "birth_date": "1990-03-05", "tags": ["vip"]}]}"#)?;
    /// let t = CustomerTable::from_store(&store, parse_instant("2024-03-01T00:00:00Z")?, &TableOptions::default())?;
    /// assert_eq!(t.column("age").map(|c| c.value_json(0)), Some(serde_json::json!(33)));
    /// assert_eq!(t.column("days_to_birthday").map(|c| c.value_json(0)), Some(serde_json::json!(4)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_store(store: &Store, as_of: Instant, options: &TableOptions) -> Result<CustomerTable, Error> {
        let facts = customer_facts(store, as_of, &options.facts)?;
        let mut t = CustomerTable::from_facts(&facts, to_micros(as_of))?;
        t.zone = options.time_zone.unwrap_or(TimeZone(chrono_tz::UTC));
        // RFM over its own window (the same customers, in the same rows).
        let rfm = match options.rfm.window_days {
            Some(_) => super::rfm::rfm_facts_options(&options.facts, &options.rfm, to_micros(as_of))
                .map_err(Error::from)
                .and_then(|o| Ok(customer_facts(store, as_of, &o)?))
                .and_then(|w| Ok(rfm_scores(&w, &options.rfm)?)),
            None => rfm_scores(&facts, &options.rfm).map_err(Error::from),
        };
        match rfm {
            Ok(s) => {
                let score = |v: &[Option<u8>]| Column::Int(v.iter().map(|x| x.map(i64::from)).collect());
                t.insert("recency", Column::Int(s.recency.clone()))?;
                t.insert("frequency", Column::Int(s.frequency.iter().map(|&x| Some(i64::from(x))).collect()))?;
                t.insert(
                    "monetary",
                    Column::Money {
                        minor: s.monetary.iter().map(|&x| Some(x)).collect(),
                        currency: s.currency.clone(),
                    },
                )?;
                t.insert("r", score(&s.r))?;
                t.insert("f", score(&s.f))?;
                t.insert("m", score(&s.m))?;
                let fm = s.f.iter().zip(&s.m).map(|(f, m)| Some((f64::from((*f)?) + f64::from((*m)?)) / 2.0)).collect();
                t.insert("fm", Column::Float(fm))?;
                let map = match &options.segments {
                    Some(m) => m.clone(),
                    None => super::SegmentMap::preset("seed")?,
                };
                let seg = super::rfm_segments(&s, &map)?;
                t.insert("segment", Column::text(seg.iter().map(Option::as_deref)))?;
            }
            Err(Error::Segment(e @ SegmentError::MixedCurrencies { .. })) => {
                for name in ["recency", "frequency", "monetary", "r", "f", "m", "fm", "segment"] {
                    t.unavailable.insert(name.into(), format!("{e}"));
                }
            }
            Err(e) => return Err(e),
        }
        let rows: HashMap<&str, usize> = facts.customer_id.iter().enumerate().map(|(i, k)| (k, i)).collect();
        add_customer_fields(&mut t, store, &rows, as_of)?;
        add_consent_fields(&mut t, store, &rows, as_of)?;
        add_order_fields(&mut t, store, &rows, as_of, options)?;
        for (name, values) in &options.ltv {
            let col = facts.customer_id.iter().map(|k| values.get(k).copied().filter(|v| v.is_finite())).collect();
            t.insert(&format!("ltv.{name}"), Column::Float(col))?;
        }
        Ok(t)
    }
}

fn local_date(t: Instant, zone: TimeZone) -> NaiveDate {
    t.with_timezone(&zone.0).date_naive()
}

/// Full years from `birth` to `today`.
pub(crate) fn age_on(birth: NaiveDate, today: NaiveDate) -> i64 {
    let mut years = i64::from(today.year() - birth.year());
    if (today.month(), today.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    years
}

/// Days from `today` to the next birthday on (month, day), 0 when it is today;
/// 29 February is celebrated on 28 February in other years.
pub(crate) fn days_to_birthday(month: u32, day: u32, today: NaiveDate) -> Option<i64> {
    let on = |year: i32| {
        NaiveDate::from_ymd_opt(year, month, day)
            .or_else(|| NaiveDate::from_ymd_opt(year, month, day.saturating_sub(1)))
    };
    let this = on(today.year())?;
    let next = if this >= today { this } else { on(today.year() + 1)? };
    Some((next - today).num_days())
}

fn add_customer_fields(
    t: &mut CustomerTable,
    store: &Store,
    rows: &HashMap<&str, usize>,
    as_of: Instant,
) -> Result<(), SegmentError> {
    let n = t.len();
    let mut by_row: Vec<Option<&Customer>> = vec![None; n];
    for c in &store.customers {
        if let Some(&i) = rows.get(c.id.as_str()) {
            by_row[i] = Some(c);
        }
    }
    let text = |f: &dyn Fn(&Customer) -> Option<String>| -> Column {
        let vals: Vec<Option<String>> = by_row.iter().map(|c| c.and_then(f)).collect();
        Column::text(vals.iter().map(Option::as_deref))
    };
    let enum_text = |v: Option<String>| v.map(|s| s.trim_matches('"').to_string());
    let cols: Vec<(&str, Column)> = vec![
        ("created_at", Column::Instant(by_row.iter().map(|c| c.map(|c| to_micros(c.created_at))).collect())),
        ("email", text(&|c| c.email.clone())),
        ("phone", text(&|c| c.phone.clone())),
        ("first_name", text(&|c| c.first_name.clone())),
        ("last_name", text(&|c| c.last_name.clone())),
        ("gender", text(&|c| enum_text(c.gender.and_then(|g| serde_json::to_string(&g).ok())))),
        ("income_tier", text(&|c| enum_text(c.income_tier.and_then(|g| serde_json::to_string(&g).ok())))),
        ("city", text(&|c| c.location.as_ref().and_then(|l| l.city.clone()))),
        ("region", text(&|c| c.location.as_ref().and_then(|l| l.region.clone()))),
        ("country", text(&|c| c.location.as_ref().and_then(|l| l.country.clone()))),
        ("time_zone", text(&|c| c.time_zone.map(|z| z.name().to_string()))),
        ("locale", text(&|c| c.locale.clone())),
        ("store_id", text(&|c| c.store_id.clone())),
        (
            "is_guest",
            Column::Bool(
                (0..n).map(|i| Some(by_row[i].is_none() && t.customer_id.get(i).starts_with("guest:"))).collect(),
            ),
        ),
        (
            "tags",
            Column::list(by_row.iter().map(|c| c.map(|c| c.tags.iter().map(String::as_str)).into_iter().flatten())),
        ),
    ];
    for (name, c) in cols {
        t.insert(name, c)?;
    }
    let mut birth = Vec::with_capacity(n);
    let mut age = Vec::with_capacity(n);
    let mut to_bday = Vec::with_capacity(n);
    for c in &by_row {
        let zone = c.and_then(|c| c.time_zone).unwrap_or(t.zone);
        let today = local_date(as_of, zone);
        let b = c.and_then(|c| c.birth_date);
        let full = b.and_then(|b| NaiveDate::from_ymd_opt(b.year?, b.month, b.day));
        birth.push(full.map(days_from_date));
        age.push(full.map(|d| age_on(d, today)));
        to_bday.push(b.and_then(|b| days_to_birthday(b.month, b.day, today)));
    }
    t.insert("birth_date", Column::Date(birth))?;
    t.insert("age", Column::Int(age))?;
    t.insert("days_to_birthday", Column::Int(to_bday))?;
    add_attributes(t, &by_row)
}

/// `attr.<key>` columns: numbers when every value of the key is a number,
/// yes/no when every value is a boolean, text otherwise (non-strings as JSON text).
fn add_attributes(t: &mut CustomerTable, by_row: &[Option<&Customer>]) -> Result<(), SegmentError> {
    let mut keys: BTreeMap<&str, Vec<(usize, &Value)>> = BTreeMap::new();
    for (i, c) in by_row.iter().enumerate() {
        for (k, v) in c.map(|c| &c.attributes).into_iter().flatten() {
            if !v.is_null() {
                keys.entry(k.as_str()).or_default().push((i, v));
            }
        }
    }
    let n = t.len();
    for (key, vals) in keys {
        let col = if vals.iter().all(|(_, v)| v.is_number()) {
            let mut c = vec![None; n];
            for (i, v) in vals {
                c[i] = v.as_f64();
            }
            Column::Float(c)
        } else if vals.iter().all(|(_, v)| v.is_boolean()) {
            let mut c = vec![None; n];
            for (i, v) in vals {
                c[i] = v.as_bool();
            }
            Column::Bool(c)
        } else {
            let mut c: Vec<Option<String>> = vec![None; n];
            for (i, v) in vals {
                c[i] = Some(v.as_str().map_or_else(|| v.to_string(), str::to_string));
            }
            Column::text(c.iter().map(Option::as_deref))
        };
        t.insert(&format!("attr.{key}"), col)?;
    }
    Ok(())
}

/// `consent.<channel>`: whether marketing is allowed on the channel at the
/// instant under the default consent policy (see [`crate::consent`]): a grant
/// in force, not withdrawn, suppressed or erased.
fn add_consent_fields(
    t: &mut CustomerTable,
    store: &Store,
    rows: &HashMap<&str, usize>,
    as_of: Instant,
) -> Result<(), SegmentError> {
    let ledger = Ledger::new(store, &ConsentPolicy::default())
        .map_err(|e| SegmentError::InvalidOption { field: "consent".into(), message: e.to_string() })?;
    let states = ledger.states_at(as_of, Purpose::Marketing);
    let mut allowed: Vec<[bool; 4]> = vec![[false; 4]; t.len()];
    for (k, id) in states.customer_id.iter().enumerate() {
        if let Some(&i) = rows.get(id) {
            allowed[i] =
                [Channel::Email, Channel::Sms, Channel::Call, Channel::Push].map(|c| states.column(c)[k].is_allowed());
        }
    }
    for (k, name) in ["consent.email", "consent.sms", "consent.call", "consent.push"].iter().enumerate() {
        t.insert(name, Column::Bool(allowed.iter().map(|a| Some(a[k])).collect()))?;
    }
    Ok(())
}

/// Purchase lines, season shares and brand-tier shares from counted orders.
fn add_order_fields(
    t: &mut CustomerTable,
    store: &Store,
    rows: &HashMap<&str, usize>,
    as_of: Instant,
    options: &TableOptions,
) -> Result<(), SegmentError> {
    let n = t.len();
    let country: Vec<Option<String>> = match t.column("country") {
        Some(c) => (0..n).map(|i| c.value_json(i).as_str().map(str::to_string)).collect(),
        None => vec![None; n],
    };
    let zones: HashMap<&str, TimeZone> =
        store.customers.iter().filter_map(|c| Some((c.id.as_str(), c.time_zone?))).collect();
    let mut p = Purchases { category_offsets: vec![0], ..Purchases::default() };
    let mut names: HashMap<String, u32> = HashMap::new();
    let mut intern = |p: &mut Purchases, s: &str| -> u32 {
        if let Some(&c) = names.get(s) {
            return c;
        }
        p.names.push(s.to_string());
        let c = (p.names.len() - 1) as u32;
        names.insert(s.to_string(), c);
        c
    };
    let (mut orders, mut summer, mut winter) = (vec![0u32; n], vec![0u32; n], vec![0u32; n]);
    if let Some(t) =
        options.brand_tiers.values().find(|t| t.is_empty() || !t.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
    {
        return Err(SegmentError::InvalidOption {
            field: "brand_tiers".into(),
            message: format!(
                "tier `{t}` must be a name (letters, digits, _): it becomes the field `<tier>_brand_share`"
            ),
        });
    }
    let tiers: Vec<&str> = {
        let mut v: Vec<&str> = options.brand_tiers.values().map(String::as_str).collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    let mut tier_net = vec![vec![0i64; tiers.len()]; n];
    let mut all_net = vec![0i64; n];
    for (k, o) in store.orders.iter().enumerate() {
        if o.placed_at > as_of {
            continue;
        }
        let refunded: i64 = o.refunds.iter().filter(|r| r.at <= as_of).map(|r| r.amount).sum();
        let status = status_as_of(o.status, o.total, refunded, !o.refunds.is_empty());
        if !matches!(status, OrderStatus::Paid | OrderStatus::Fulfilled | OrderStatus::PartiallyRefunded) {
            continue;
        }
        let key = match &o.customer_id {
            Some(id) => id.clone(),
            None => {
                let c = o.contact.as_ref();
                match guest_key(c.and_then(|c| c.email.as_deref()), c.and_then(|c| c.phone.as_deref())) {
                    Some(k) => k,
                    None => continue,
                }
            }
        };
        let Some(&row) = rows.get(key.as_str()) else { continue };
        orders[row] += 1;
        let zone = o.customer_id.as_deref().and_then(|id| zones.get(id)).copied().unwrap_or(t.zone);
        let month = o.placed_at.with_timezone(&zone.0).month();
        let south = country[row].as_deref().is_some_and(|c| SOUTHERN_COUNTRIES.contains(&c));
        let (is_summer, is_winter) = match (south, month) {
            (false, 6..=8) | (true, 12 | 1 | 2) => (true, false),
            (false, 12 | 1 | 2) | (true, 6..=8) => (false, true),
            _ => (false, false),
        };
        summer[row] += u32::from(is_summer);
        winter[row] += u32::from(is_winter);
        for l in &o.lines {
            let net = l.net().unwrap_or(0);
            all_net[row] = all_net[row].saturating_add(net);
            if let Some(tier) = l.brand.as_ref().and_then(|b| options.brand_tiers.get(b)) {
                if let Some(ti) = tiers.iter().position(|x| x == tier) {
                    tier_net[row][ti] = tier_net[row][ti].saturating_add(net);
                }
            }
            p.row.push(row as u32);
            p.order.push(k as u32);
            p.placed_at.push(to_micros(o.placed_at));
            p.quantity.push(l.quantity);
            p.net.push(net);
            p.currency.push(l.currency.unwrap_or(o.currency));
            for c in &l.category {
                let code = intern(&mut p, c);
                p.category_codes.push(code);
            }
            p.category_offsets.push(p.category_codes.len() as u32);
            let brand = l.brand.as_deref().map(|s| intern(&mut p, s));
            p.brand.push(brand);
            let product = l.product_id.as_deref().map(|s| intern(&mut p, s));
            p.product.push(product);
            let sku = l.sku.as_deref().map(|s| intern(&mut p, s));
            p.sku.push(sku);
        }
    }
    let share = |part: &[u32]| {
        Column::Float((0..n).map(|i| (orders[i] > 0).then(|| f64::from(part[i]) / f64::from(orders[i]))).collect())
    };
    t.insert("summer_order_share", share(&summer))?;
    t.insert("winter_order_share", share(&winter))?;
    for (ti, tier) in tiers.iter().enumerate() {
        let col = (0..n).map(|i| (all_net[i] > 0).then(|| tier_net[i][ti] as f64 / all_net[i] as f64)).collect();
        t.insert(&format!("{tier}_brand_share"), Column::Float(col))?;
    }
    if tiers.is_empty() {
        for tier in ["premium", "mid", "budget"] {
            t.unavailable.insert(
                format!("{tier}_brand_share"),
                "pass brand_tiers (brand → tier) to compute brand-tier shares".into(),
            );
        }
    }
    t.purchases = Some(p);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    #[test]
    fn ages_and_birthdays_by_hand() {
        assert_eq!(age_on(d("1990-03-05"), d("2024-03-04")), 33);
        assert_eq!(age_on(d("1990-03-05"), d("2024-03-05")), 34);
        assert_eq!(days_to_birthday(3, 5, d("2024-03-05")), Some(0));
        assert_eq!(days_to_birthday(3, 4, d("2024-03-05")), Some(364)); // 2025-03-04 (2025 not leap: 365 − 1)
                                                                        // 29 February in a non-leap year falls on the 28th: from 2023-02-01, 27 days.
        assert_eq!(days_to_birthday(2, 29, d("2023-02-01")), Some(27));
        assert_eq!(days_to_birthday(2, 29, d("2024-02-01")), Some(28));
        assert_eq!(days_to_birthday(1, 1, d("2024-12-31")), Some(1));
    }
}
