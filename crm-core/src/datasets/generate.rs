//! The simulation: customers sign up, buy in a BG/NBD-like process (a
//! Poisson purchase rate per customer drawn from a gamma distribution, and
//! after each purchase a chance to drop out drawn from a beta distribution),
//! abandon carts, grant and withdraw consent, and leave behavioural events.
//! Guests buy without an account. Every draw comes from [`Rng`] streams of
//! the seed, in a fixed order.

use crate::model::{
    BirthDate, Channel, ConsentStatus, EventKind, Gender, IncomeTier, OrderStatus, Purpose, RecipientType,
};
use crate::money::Currency;

use super::catalog::{category_weights, Catalog, Country, COUNTRIES, COUPONS, UTMS};
use super::rng::Rng;
use super::tables::{
    CartItemTable, CartTable, ConsentTable, CustomerTable, EventTable, OrderLineTable, OrderTable, GUEST,
};
use super::{DatasetError, SampleOptions, SampleStore};

const MINUTE: i64 = 60_000_000;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;

/// Share of sign-ups who never buy (prospects).
const PROSPECT_SHARE: f64 = 0.12;
/// Gamma shape of the purchase rate (heterogeneity: small = very skewed).
const RATE_SHAPE: f64 = 0.9;
/// Gamma scale of the purchase rate, in purchases per day.
const RATE_SCALE: f64 = 0.065;
/// Beta(a, b) of the drop-out probability after each purchase.
const DROPOUT_BETA: (f64, f64) = (2.0, 30.0);
/// At most this many orders per customer.
const MAX_ORDERS: usize = 400;
/// Guest orders per customer order (5 % of all orders).
const GUEST_PER_ORDER: f64 = 0.05 / 0.95;

/// Everything being generated.
struct World<'a> {
    opt: &'a SampleOptions,
    catalog: Catalog,
    currencies: Vec<Currency>,
    end: i64,
    customers: CustomerTable,
    orders: OrderTable,
    lines: OrderLineTable,
    carts: CartTable,
    items: CartItemTable,
    consents: ConsentTable,
    events: EventTable,
}

/// Generates the sample store of `opt` (already validated).
pub(super) fn generate(opt: &SampleOptions) -> Result<SampleStore, DatasetError> {
    let mut currencies = Vec::with_capacity(COUNTRIES.len());
    for c in &COUNTRIES {
        currencies.push(Currency::new(c.currency).map_err(|e| DatasetError::InvalidOption {
            field: "country".into(),
            message: format!("{}: {e}", c.code),
        })?);
    }
    let n = opt.customers;
    let mut w = World {
        opt,
        catalog: Catalog::build(),
        currencies,
        end: opt.start_micros + i64::from(opt.days) * DAY,
        customers: CustomerTable::default(),
        orders: OrderTable::default(),
        lines: OrderLineTable::default(),
        carts: CartTable::default(),
        items: CartItemTable::default(),
        consents: ConsentTable::default(),
        events: EventTable::default(),
    };
    w.reserve(n);
    let mut people = Rng::new(opt.seed, 1);
    let mut shop = Rng::new(opt.seed, 2);
    for row in 0..n as u32 {
        let country = w.add_customer(&mut people, row);
        w.add_history(&mut shop, row, country);
    }
    let mut guests = Rng::new(opt.seed, 3);
    w.add_guests(&mut guests);
    Ok(SampleStore {
        catalog: w.catalog,
        customers: w.customers,
        orders: w.orders,
        order_lines: w.lines,
        carts: w.carts,
        cart_items: w.items,
        consents: w.consents,
        events: w.events,
    })
}

fn pick<T: Copy>(rng: &mut Rng, items: &[T]) -> T {
    items[rng.below(items.len() as u64) as usize]
}

/// The e-mail-safe ASCII spelling of a name.
fn ascii_fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            'ç' | 'Ç' => out.push('c'),
            'ğ' | 'Ğ' => out.push('g'),
            'ı' | 'İ' | 'I' => out.push('i'),
            'ö' | 'Ö' => out.push_str("oe"),
            'ş' | 'Ş' => out.push('s'),
            'ü' | 'Ü' => out.push_str("ue"),
            'ä' | 'Ä' => out.push_str("ae"),
            'ß' => out.push_str("ss"),
            c if c.is_ascii_alphanumeric() => out.push(c.to_ascii_lowercase()),
            _ => {}
        }
    }
    out
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

/// A euro-cent list price in the country's currency, rounded the way shops
/// price (…99 in currencies with cents, whole tens of yen).
fn local_price(cents: i64, country: &Country) -> i64 {
    let x = cents * country.price_per_mille / 1000;
    if country.currency == "JPY" {
        ((x + 5) / 10 * 10).max(10)
    } else if x >= 100 {
        x / 100 * 100 + 99
    } else {
        x.max(1)
    }
}

impl World<'_> {
    /// Sizes every column for the expected row counts, so that the big
    /// columns are not copied while they grow.
    fn reserve(&mut self, n: usize) {
        macro_rules! reserve {
            ($table:expr, $rows:expr, $($col:ident),+) => {{ let r = $rows; $( $table.$col.reserve(r); )+ }};
        }
        let orders = n * 11;
        reserve!(self.customers, n, created_at, email, phone, first_name, last_name, birth_date, gender, city);
        reserve!(self.customers, n, country, time_zone, locale, currency, income_tier);
        reserve!(self.orders, orders, customer, email, placed_at, currency, subtotal, discount, order_discount);
        reserve!(self.orders, orders, shipping, tax, taxes_included, total, status, refunded, refunded_at);
        reserve!(self.orders, orders, coupon_code, channel, utm_source, utm_medium, utm_campaign);
        reserve!(self.lines, orders * 18 / 10, order, product, quantity, unit_price, discount);
        reserve!(self.carts, orders, customer, email, currency, created_at, updated_at, converted_order, converted_at);
        reserve!(self.items, orders * 15 / 10, cart, product, quantity, unit_price);
        reserve!(self.events, orders * 24 / 10, customer, kind, at, product);
    }

    fn add_customer(&mut self, rng: &mut Rng, row: u32) -> usize {
        let ci = rng.weighted_by(&COUNTRIES, |c| c.weight);
        let country = &COUNTRIES[ci];
        let zone = country.zones[rng.weighted_by(country.zones, |z| z.1)].0;
        let span = (self.end - self.opt.start_micros) as f64;
        let created = self.opt.start_micros + (rng.unit() * 0.9 * span) as i64;
        let first = pick(rng, country.first_names);
        let last = pick(rng, country.last_names);
        let email =
            rng.chance(0.93).then(|| format!("{}.{}{}@example.com", ascii_fold(first), ascii_fold(last), row + 1));
        let phone = rng.chance(0.6).then(|| format!("{}{:08}", country.phone_prefix, rng.below(100_000_000)));
        let birth_date = if rng.chance(0.15) {
            None
        } else if row % 97 == 41 {
            // A leap-day birthday every so often (the hard case for birthday flows).
            Some(BirthDate { year: Some(1972 + 4 * rng.range(0, 8) as i32), month: 2, day: 29 })
        } else {
            let year = rng.range(1950, 2006) as i32;
            let month = rng.range(1, 12) as u32;
            let day = rng.range(1, i64::from(days_in_month(year, month))) as u32;
            let year = if rng.chance(0.1) { None } else { Some(year) };
            Some(BirthDate { year, month, day })
        };
        let gender = if rng.chance(0.08) {
            None
        } else {
            Some(
                [Gender::Female, Gender::Male, Gender::NonBinary, Gender::Undisclosed]
                    [rng.weighted(&[480, 460, 10, 50])],
            )
        };
        let income_tier = if rng.chance(0.2) {
            None
        } else {
            Some([IncomeTier::Budget, IncomeTier::Mid, IncomeTier::Premium][rng.weighted(&[40, 45, 15])])
        };
        let c = &mut self.customers;
        c.created_at.push(created);
        c.email.push(email);
        c.phone.push(phone);
        c.first_name.push(first);
        c.last_name.push(last);
        c.birth_date.push(birth_date);
        c.gender.push(gender);
        c.city.push(pick(rng, country.cities));
        c.country.push(country.code);
        c.time_zone.push(zone);
        c.locale.push(country.locale);
        c.currency.push(self.currencies[ci]);
        c.income_tier.push(income_tier);
        ci
    }

    /// Orders, carts, consents and events of customer `row`.
    fn add_history(&mut self, rng: &mut Rng, row: u32, ci: usize) {
        let country = &COUNTRIES[ci];
        let created = self.customers.created_at[row as usize];
        let fav = rng.weighted(&category_weights());
        let first_order = self.orders.len();
        if !rng.chance(PROSPECT_SHARE) {
            let rate = rng.gamma(RATE_SHAPE) * RATE_SCALE;
            let dropout = rng.beta(DROPOUT_BETA.0, DROPOUT_BETA.1);
            let mut t = created + (rng.exp1() * 3.0 * DAY as f64) as i64;
            let mut count = 0;
            while t < self.end && count < MAX_ORDERS {
                let o = self.add_order(rng, row, None, t, ci, fav);
                if rng.chance(0.3) {
                    self.add_converted_cart(rng, o);
                }
                for _ in 0..rng.range(0, 2) {
                    let v = t - rng.range(10 * MINUTE, 2 * DAY);
                    let p = self.catalog.pick_in(rng, fav);
                    self.add_event(row, EventKind::ProductViewed, v.max(created), Some(p));
                }
                count += 1;
                if rng.chance(dropout) {
                    break;
                }
                t += ((rng.exp1() / rate.max(1e-6)) * DAY as f64).min(1e15) as i64;
            }
        }
        // Abandoned carts: about 0.7 per order, and some from prospects.
        let orders = self.orders.len() - first_order;
        let abandoned =
            if orders == 0 { usize::from(rng.chance(0.5)) } else { (0..orders).filter(|_| rng.chance(0.7)).count() };
        for _ in 0..abandoned {
            let at = created + rng.below((self.end - created).max(1) as u64) as i64;
            self.add_abandoned_cart(rng, row, None, at, ci, fav);
        }
        self.add_consents(rng, row, country, created);
    }

    /// Adds an order with its lines; returns its row.
    fn add_order(&mut self, rng: &mut Rng, customer: u32, email: Option<String>, t: i64, ci: usize, fav: usize) -> u32 {
        let country = &COUNTRIES[ci];
        let row = self.orders.len() as u32;
        let n_lines = 1 + rng.weighted(&[550, 250, 120, 80]);
        let mut subtotal = 0i64;
        let mut line_discount = 0i64;
        for _ in 0..n_lines {
            let cat = if rng.chance(0.6) { fav } else { rng.weighted(&category_weights()) };
            let p = self.catalog.pick_in(rng, cat);
            let qty = 1 + rng.weighted(&[800, 150, 50]) as u32;
            let unit = local_price(self.catalog.price_cents[p as usize], country);
            let disc = if rng.chance(0.08) { i64::from(qty) * unit / 10 } else { 0 };
            subtotal += i64::from(qty) * unit - disc;
            line_discount += disc;
            let l = &mut self.lines;
            l.order.push(row);
            l.product.push(p);
            l.quantity.push(qty);
            l.unit_price.push(unit);
            l.discount.push(disc);
        }
        let coupon = rng.chance(0.18).then(|| COUPONS[rng.weighted(&[40, 30, 20, 10])]);
        let order_discount = coupon.map_or(0, |(_, pct)| subtotal * pct / 100);
        let goods = subtotal - order_discount;
        let shipping = if goods < local_price(5_000, country) { local_price(499, country) } else { 0 };
        let rate = country.tax_per_mille;
        let tax = if country.taxes_included {
            (goods * rate + (1000 + rate) / 2) / (1000 + rate)
        } else {
            (goods * rate + 500) / 1000
        };
        let total = goods + shipping + if country.taxes_included { 0 } else { tax };

        let age = self.end - t;
        let mut status = if age < 2 * DAY && rng.chance(0.3) {
            OrderStatus::Pending
        } else {
            match rng.unit() {
                r if r < 0.03 => OrderStatus::Cancelled,
                r if r < 0.06 => OrderStatus::Refunded,
                r if r < 0.09 => OrderStatus::PartiallyRefunded,
                _ if age > 5 * DAY => OrderStatus::Fulfilled,
                _ => OrderStatus::Paid,
            }
        };
        let (mut refunded, mut refunded_at) = (0, None);
        let refundable = age > 2 * DAY && total >= 2;
        match status {
            OrderStatus::Refunded | OrderStatus::PartiallyRefunded if !refundable => status = OrderStatus::Paid,
            OrderStatus::Refunded => refunded = total,
            OrderStatus::PartiallyRefunded => refunded = (total * rng.range(10, 60) / 100).clamp(1, total - 1),
            _ => {}
        }
        if refunded > 0 {
            let latest = (30 * DAY).min(age - 1);
            refunded_at = Some(t + rng.range(DAY.min(latest), latest));
        }
        let channel = match rng.weighted(&[550, 300, 150]) {
            0 => "web",
            1 => "mobile",
            _ => pick(rng, country.marketplaces),
        };
        let tracked = (channel == "web" || channel == "mobile") && rng.chance(0.4);
        let utm = tracked.then(|| UTMS[rng.below(UTMS.len() as u64) as usize]);

        let o = &mut self.orders;
        o.customer.push(customer);
        o.email.push(email);
        o.placed_at.push(t);
        o.currency.push(self.currencies[ci]);
        o.subtotal.push(subtotal);
        o.discount.push(order_discount + line_discount);
        o.order_discount.push(order_discount);
        o.shipping.push(shipping);
        o.tax.push(tax);
        o.taxes_included.push(country.taxes_included);
        o.total.push(total);
        o.status.push(status);
        o.refunded.push(refunded);
        o.refunded_at.push(refunded_at);
        o.coupon_code.push(coupon.map(|c| c.0));
        o.channel.push(channel);
        o.utm_source.push(utm.map(|u| u.0));
        o.utm_medium.push(utm.map(|u| u.1));
        o.utm_campaign.push(utm.map(|u| u.2));
        row
    }

    /// The cart that became order `order`: the order's lines, updated shortly before it.
    fn add_converted_cart(&mut self, rng: &mut Rng, order: u32) {
        let o = order as usize;
        let t = self.orders.placed_at[o];
        let customer = self.orders.customer[o];
        // Not before the customer signed up (or, for a guest, the period began).
        let earliest =
            if customer == GUEST { self.opt.start_micros } else { self.customers.created_at[customer as usize] };
        let created = (t - rng.range(5 * MINUTE, 3 * HOUR)).max(earliest.min(t));
        let updated = t - rng.range(0, t - created);
        let cart = self.carts.len() as u32;
        let k = &mut self.carts;
        k.customer.push(customer);
        k.email.push(self.orders.email[o].clone());
        k.currency.push(self.orders.currency[o]);
        k.created_at.push(created);
        k.updated_at.push(updated);
        k.converted_order.push(Some(order));
        k.converted_at.push(Some(t));
        // The lines of an order are contiguous and it is the latest order.
        let first = self.lines.order.iter().rposition(|&r| r != order).map_or(0, |i| i + 1);
        for i in first..self.lines.len() {
            let it = &mut self.items;
            it.cart.push(cart);
            it.product.push(self.lines.product[i]);
            it.quantity.push(self.lines.quantity[i]);
            it.unit_price.push(self.lines.unit_price[i]);
        }
        if customer != GUEST {
            self.add_event(customer, EventKind::AddedToCart, created, Some(self.lines.product[first]));
            self.add_event(customer, EventKind::CheckoutStarted, updated, None);
        }
    }

    fn add_abandoned_cart(
        &mut self,
        rng: &mut Rng,
        customer: u32,
        email: Option<String>,
        at: i64,
        ci: usize,
        fav: usize,
    ) {
        let country = &COUNTRIES[ci];
        let cart = self.carts.len() as u32;
        let updated = (at + rng.range(0, 30 * MINUTE)).min(self.end - 1).max(at);
        let k = &mut self.carts;
        k.customer.push(customer);
        k.email.push(email);
        k.currency.push(self.currencies[ci]);
        k.created_at.push(at);
        k.updated_at.push(updated);
        k.converted_order.push(None);
        k.converted_at.push(None);
        for j in 0..1 + rng.weighted(&[650, 350]) {
            let cat = if rng.chance(0.6) { fav } else { rng.weighted(&category_weights()) };
            let p = self.catalog.pick_in(rng, cat);
            let it = &mut self.items;
            it.cart.push(cart);
            it.product.push(p);
            it.quantity.push(1);
            it.unit_price.push(local_price(self.catalog.price_cents[p as usize], country));
            if j == 0 && customer != GUEST {
                self.add_event(customer, EventKind::AddedToCart, at, Some(p));
            }
        }
    }

    fn add_consents(&mut self, rng: &mut Rng, row: u32, country: &Country, created: i64) {
        let recipient = if rng.chance(0.02) { RecipientType::Merchant } else { RecipientType::Individual };
        let later = |rng: &mut Rng, from: i64, end: i64| from + 1 + rng.below((end - from - 1).max(1) as u64) as i64;
        if self.customers.email[row as usize].is_some() && rng.chance(0.7) {
            self.add_consent(row, Channel::Email, ConsentStatus::Granted, created, "signup_form", recipient);
            if rng.chance(0.15) {
                let at = later(rng, created, self.end);
                self.add_consent(row, Channel::Email, ConsentStatus::Withdrawn, at, "unsubscribe_link", recipient);
            } else {
                for _ in 0..rng.range(0, 4) {
                    let at = later(rng, created, self.end);
                    self.add_event(row, EventKind::MessageOpened, at, None);
                    if rng.chance(0.3) {
                        self.add_event(row, EventKind::MessageClicked, (at + MINUTE).min(self.end - 1), None);
                    }
                }
            }
        }
        if self.customers.phone[row as usize].is_some() && rng.chance(0.35) {
            let at = created + rng.range(0, HOUR);
            self.add_consent(row, Channel::Sms, ConsentStatus::Granted, at, "checkout_checkbox", recipient);
            if rng.chance(0.1) {
                let w = later(rng, at, self.end);
                self.add_consent(row, Channel::Sms, ConsentStatus::Withdrawn, w, "sms_stop_reply", recipient);
            }
        }
        if country.code == "TR" && rng.chance(0.1) {
            // İYS also records calls: a few customers agree to be called.
            self.add_consent(row, Channel::Call, ConsentStatus::Granted, created, "call_center", recipient);
        }
        if rng.chance(0.2) {
            let at = later(rng, created, self.end);
            self.add_consent(row, Channel::Push, ConsentStatus::Granted, at, "mobile_app", recipient);
        }
    }

    fn add_consent(
        &mut self,
        row: u32,
        channel: Channel,
        status: ConsentStatus,
        at: i64,
        source: &'static str,
        recipient: RecipientType,
    ) {
        let k = &mut self.consents;
        k.customer.push(row);
        k.channel.push(channel);
        k.purpose.push(Purpose::Marketing);
        k.status.push(status);
        k.at.push(at);
        k.source.push(source);
        k.proof.push(format!("{source}:{}", k.at.len()));
        k.recipient_type.push(recipient);
    }

    fn add_event(&mut self, customer: u32, kind: EventKind, at: i64, product: Option<u32>) {
        let e = &mut self.events;
        e.customer.push(customer);
        e.kind.push(kind);
        e.at.push(at);
        e.product.push(product);
    }

    /// Guest orders (about 5 % of all orders), some guests buying twice, with
    /// converted and abandoned guest carts.
    fn add_guests(&mut self, rng: &mut Rng) {
        let count = (self.orders.len() as f64 * GUEST_PER_ORDER).round() as usize;
        let pool = (count * 3 / 4).max(1);
        let countries: Vec<usize> = (0..pool).map(|_| rng.weighted_by(&COUNTRIES, |c| c.weight)).collect();
        let span = (self.end - self.opt.start_micros) as u64;
        for _ in 0..count {
            let g = rng.below(pool as u64) as usize;
            let email = format!("guest{}@example.net", g + 1);
            let t = self.opt.start_micros + rng.below(span) as i64;
            let fav = rng.weighted(&category_weights());
            let o = self.add_order(rng, GUEST, Some(email.clone()), t, countries[g], fav);
            if rng.chance(0.4) {
                self.add_converted_cart(rng, o);
            }
            if rng.chance(0.6) {
                let at = self.opt.start_micros + rng.below(span) as i64;
                self.add_abandoned_cart(rng, GUEST, Some(email), at, countries[g], fav);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_follow_the_price_lists() {
        let tr = &COUNTRIES[0];
        let jp = &COUNTRIES[4];
        assert_eq!(local_price(1_999, tr), 69_999); // 19.99 € → 699.99 TL
        assert_eq!(local_price(1_999, jp), 3_200); // 31.98 → 3,200 yen
        assert_eq!(ascii_fold("Ayşe Öztürk"), "ayseoeztuerk");
        assert_eq!(ascii_fold("Müller-Weiß"), "muellerweiss");
        assert_eq!(days_in_month(2000, 2), 29);
        assert_eq!(days_in_month(1900, 2), 28);
    }
}
