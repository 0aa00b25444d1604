//! The consent state of every customer on every channel at one instant, as columns.

use super::fold::{outcome, When};
use super::{ConsentState, Ledger};
use crate::model::{Channel, Purpose};
use crate::time::Instant;

/// The consent state of every customer of a [`Ledger`] on each channel, for
/// one purpose at one instant: one row per customer, rows sorted by customer
/// id (the ledger's [`customer_ids`](Ledger::customer_ids)).
///
/// Row `i` of every column is what [`Ledger::decide`] answers for
/// `customer_id[i]`, without the evidence.
///
/// ```
/// use crm_core::consent::{ConsentPolicy, ConsentState, Ledger};
/// use crm_core::model::{Channel, Purpose, Store};
/// use crm_core::time::parse_instant;
/// let store = Store::from_json(r#"{
///   "customers": [{"id": "c2", "created_at": "2024-01-01T00:00:00Z"}],
///   "consents": [{"customer_id": "c1", "channel": "email", "purpose": "marketing",
///                 "status": "granted", "at": "2024-01-05T09:00:00Z"}]}"#)?;
/// let ledger = Ledger::new(&store, &ConsentPolicy::default())?;
/// let t = ledger.states_at(parse_instant("2024-02-01T00:00:00Z")?, Purpose::Marketing);
/// assert_eq!(t.customer_id, ["c1", "c2"]);
/// assert_eq!(t.column(Channel::Email), [ConsentState::Granted, ConsentState::NoConsent]);
/// assert_eq!(t.allowed(Channel::Email), [true, false]);
/// assert_eq!(t.get("c1", Channel::Sms), Some(ConsentState::NoConsent));
/// assert_eq!(t.get("c9", Channel::Sms), None);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsentTable<'a> {
    /// The instant of the states.
    pub at: Instant,
    /// The purpose of the states.
    pub purpose: Purpose,
    /// Customer ids, sorted and unique.
    pub customer_id: Vec<&'a str>,
    /// State on e-mail, per row.
    pub email: Vec<ConsentState>,
    /// State on SMS, per row.
    pub sms: Vec<ConsentState>,
    /// State on phone calls, per row.
    pub call: Vec<ConsentState>,
    /// State on push notifications, per row.
    pub push: Vec<ConsentState>,
}

impl<'a> ConsentTable<'a> {
    /// Number of rows (customers).
    ///
    /// ```
    /// # use crm_core::consent::{ConsentPolicy, ConsentState, Ledger};
    /// # use crm_core::model::{Channel, Purpose, Store};
    /// # use crm_core::time::parse_instant;
    /// # let store = Store::from_json(r#"{"consents": [{"customer_id": "c1", "channel": "sms",
    /// #   "purpose": "marketing", "status": "granted", "at": "2024-01-05T09:00:00Z"}]}"#)?;
    /// # let ledger = Ledger::new(&store, &ConsentPolicy::default())?;
    /// let t = ledger.states_at(parse_instant("2024-02-01T00:00:00Z")?, Purpose::Marketing);
    /// assert_eq!(t.len(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn len(&self) -> usize {
        self.customer_id.len()
    }

    /// True when there are no customers.
    ///
    /// ```
    /// # use crm_core::consent::{ConsentPolicy, ConsentState, Ledger};
    /// # use crm_core::model::{Channel, Purpose, Store};
    /// # use crm_core::time::parse_instant;
    /// # let store = Store::from_json(r#"{"consents": [{"customer_id": "c1", "channel": "sms",
    /// #   "purpose": "marketing", "status": "granted", "at": "2024-01-05T09:00:00Z"}]}"#)?;
    /// # let ledger = Ledger::new(&store, &ConsentPolicy::default())?;
    /// let t = ledger.states_at(parse_instant("2024-02-01T00:00:00Z")?, Purpose::Marketing);
    /// assert!(!t.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.customer_id.is_empty()
    }

    /// The states of one channel, per row.
    ///
    /// ```
    /// # use crm_core::consent::{ConsentPolicy, ConsentState, Ledger};
    /// # use crm_core::model::{Channel, Purpose, Store};
    /// # use crm_core::time::parse_instant;
    /// # let store = Store::from_json(r#"{"consents": [{"customer_id": "c1", "channel": "sms",
    /// #   "purpose": "marketing", "status": "granted", "at": "2024-01-05T09:00:00Z"}]}"#)?;
    /// # let ledger = Ledger::new(&store, &ConsentPolicy::default())?;
    /// let t = ledger.states_at(parse_instant("2024-02-01T00:00:00Z")?, Purpose::Marketing);
    /// assert_eq!(t.column(Channel::Sms), [ConsentState::Granted]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn column(&self, channel: Channel) -> &[ConsentState] {
        match channel {
            Channel::Email => &self.email,
            Channel::Sms => &self.sms,
            Channel::Call => &self.call,
            Channel::Push => &self.push,
        }
    }

    /// Whether a message may be sent on one channel, per row.
    ///
    /// ```
    /// # use crm_core::consent::{ConsentPolicy, ConsentState, Ledger};
    /// # use crm_core::model::{Channel, Purpose, Store};
    /// # use crm_core::time::parse_instant;
    /// # let store = Store::from_json(r#"{"consents": [{"customer_id": "c1", "channel": "sms",
    /// #   "purpose": "marketing", "status": "granted", "at": "2024-01-05T09:00:00Z"}]}"#)?;
    /// # let ledger = Ledger::new(&store, &ConsentPolicy::default())?;
    /// let t = ledger.states_at(parse_instant("2024-02-01T00:00:00Z")?, Purpose::Marketing);
    /// assert_eq!(t.allowed(Channel::Email), [false]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn allowed(&self, channel: Channel) -> Vec<bool> {
        self.column(channel).iter().map(|s| s.is_allowed()).collect()
    }

    /// Row of a customer id, if the table has it.
    ///
    /// ```
    /// # use crm_core::consent::{ConsentPolicy, ConsentState, Ledger};
    /// # use crm_core::model::{Channel, Purpose, Store};
    /// # use crm_core::time::parse_instant;
    /// # let store = Store::from_json(r#"{"consents": [{"customer_id": "c1", "channel": "sms",
    /// #   "purpose": "marketing", "status": "granted", "at": "2024-01-05T09:00:00Z"}]}"#)?;
    /// # let ledger = Ledger::new(&store, &ConsentPolicy::default())?;
    /// let t = ledger.states_at(parse_instant("2024-02-01T00:00:00Z")?, Purpose::Marketing);
    /// assert_eq!((t.row("c1"), t.row("c2")), (Some(0), None));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn row(&self, customer_id: &str) -> Option<usize> {
        self.customer_id.binary_search(&customer_id).ok()
    }

    /// The state of one customer on one channel, if the table has the customer.
    ///
    /// ```
    /// # use crm_core::consent::{ConsentPolicy, ConsentState, Ledger};
    /// # use crm_core::model::{Channel, Purpose, Store};
    /// # use crm_core::time::parse_instant;
    /// # let store = Store::from_json(r#"{"consents": [{"customer_id": "c1", "channel": "sms",
    /// #   "purpose": "marketing", "status": "granted", "at": "2024-01-05T09:00:00Z"}]}"#)?;
    /// # let ledger = Ledger::new(&store, &ConsentPolicy::default())?;
    /// let t = ledger.states_at(parse_instant("2024-02-01T00:00:00Z")?, Purpose::Marketing);
    /// assert_eq!(t.get("c1", Channel::Sms), Some(ConsentState::Granted));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn get(&self, customer_id: &str, channel: Channel) -> Option<ConsentState> {
        self.row(customer_id).map(|i| self.column(channel)[i])
    }
}

impl<'a> Ledger<'a> {
    /// The state of every customer on every channel for `purpose` at `at`:
    /// one pass over the sorted events, reading each (customer, channel) only
    /// up to the instant.
    ///
    /// ```
    /// use crm_core::consent::{ConsentPolicy, ConsentState, Ledger};
    /// use crm_core::model::{Channel, Purpose, Store};
    /// use crm_core::time::parse_instant;
    /// let store = Store::from_json(r#"{"consents": [
    ///   {"customer_id": "c1", "channel": "call", "purpose": "marketing", "status": "erased", "at": "2024-01-05T09:00:00Z"}
    /// ]}"#)?;
    /// let ledger = Ledger::new(&store, &ConsentPolicy::default())?;
    /// let t = ledger.states_at(parse_instant("2024-02-01T00:00:00Z")?, Purpose::Transactional);
    /// assert_eq!((t.call[0], t.email[0]), (ConsentState::Erased, ConsentState::Transactional));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn states_at(&self, at: Instant, purpose: Purpose) -> ConsentTable<'a> {
        let when = When::of(at);
        let n = self.ids.len();
        let marketing = purpose == Purpose::Marketing;
        let exempt = self.policy.merchant_exempt;
        let mut cols: [Vec<ConsentState>; 4] = std::array::from_fn(|_| Vec::with_capacity(n));
        for row in 0..n {
            for (ch, col) in cols.iter_mut().enumerate() {
                let f = self.fold_row(row, ch, when, marketing);
                col.push(outcome(&f, purpose, exempt, when).0);
            }
        }
        let [email, sms, call, push] = cols;
        ConsentTable { at, purpose, customer_id: self.ids.clone(), email, sms, call, push }
    }
}
