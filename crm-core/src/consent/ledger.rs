//! The ledger: a store's consent events indexed once by (customer, channel)
//! in the order they apply, answering "may we send?" at any instant.

use super::fold::{fold, outcome, Folded, Slot, When};
use super::index::{build, channel_index, Index};
use super::{ConsentError, ConsentPolicy, ConsentState, Decision, Evidence};
use crate::model::{Channel, Purpose, Store};
use crate::time::Instant;

/// The consent events of a store, sorted once, answering for any customer,
/// channel, purpose and instant. See the [module documentation](super) for the rules.
///
/// Building interns the customer ids and sorts the events by (customer,
/// channel) with a radix sort on integer keys, then by time, status
/// precedence and content within each (customer, channel); each answer then
/// reads only the events of one (customer, channel). The ledger borrows the
/// store and does not change it.
///
/// ```
/// use crm_core::consent::{ConsentPolicy, ConsentState, Ledger};
/// use crm_core::model::{Channel, Purpose, Store};
/// use crm_core::time::parse_instant;
/// // Arrival order does not matter: the withdrawal of 10 March applies after the grant of 1 March.
/// let store = Store::from_json(r#"{"consents": [
///   {"customer_id": "c1", "channel": "sms", "purpose": "marketing", "status": "withdrawn",
///    "at": "2024-03-10T12:00:00Z", "source": "sms_stop_reply"},
///   {"customer_id": "c1", "channel": "sms", "purpose": "marketing", "status": "granted",
///    "at": "2024-03-01T12:00:00Z", "source": "HS_WEB", "proof": "form-17"}
/// ]}"#)?;
/// let ledger = Ledger::new(&store, &ConsentPolicy::default())?;
/// let at = |t| parse_instant(t);
/// let before = ledger.decide("c1", Channel::Sms, Purpose::Marketing, at("2024-03-05T00:00:00Z")?);
/// assert_eq!((before.allowed, before.state), (true, ConsentState::Granted));
/// assert_eq!(before.evidence[0].event_index, 1);
/// let after = ledger.decide("c1", Channel::Sms, Purpose::Marketing, at("2024-03-10T12:00:00Z")?);
/// assert_eq!((after.allowed, after.state), (false, ConsentState::Withdrawn));
/// // Order confirmations need no consent.
/// let tx = ledger.decide("c1", Channel::Sms, Purpose::Transactional, at("2024-03-11T00:00:00Z")?);
/// assert_eq!(tx.state, ConsentState::Transactional);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct Ledger<'a> {
    pub(crate) store: &'a Store,
    pub(crate) policy: ConsentPolicy,
    /// Customer ids, sorted and unique: those of `store.customers` and of every consent event.
    pub(crate) ids: Vec<&'a str>,
    /// Whether double opt-in applies, per customer.
    pub(crate) double_opt_in: Vec<bool>,
    /// Events sorted by (customer, channel, time, rank, content).
    pub(crate) slots: Vec<Slot>,
    /// The code of each sorted event.
    pub(crate) codes: Vec<u8>,
    /// Start of each (customer, channel) in `slots`: `offsets[4 * customer + channel]`; one more at the end.
    pub(crate) offsets: Vec<u32>,
}

impl<'a> Ledger<'a> {
    /// Indexes the consent events of `store` under `policy`.
    ///
    /// # Errors
    /// [`ConsentError::InvalidPolicy`] when the policy breaks a rule of
    /// [`ConsentPolicy::validate`]; [`ConsentError::TooLarge`] when customers and events together exceed 2³⁰ − 1.
    ///
    /// ```
    /// use crm_core::consent::{ConsentPolicy, Ledger};
    /// use crm_core::model::Store;
    /// let store = Store::from_json(r#"{"customers": [{"id": "c2", "created_at": "2024-01-01T00:00:00Z"}],
    ///   "consents": [{"customer_id": "c1", "channel": "email", "purpose": "marketing",
    ///                 "status": "granted", "at": "2024-01-05T09:00:00Z"}]}"#)?;
    /// let ledger = Ledger::new(&store, &ConsentPolicy::default())?;
    /// assert_eq!(ledger.customer_ids(), ["c1", "c2"]);
    /// let bad = ConsentPolicy { confirm_within_hours: 0, ..ConsentPolicy::default() };
    /// assert_eq!(Ledger::new(&store, &bad).unwrap_err().code(), "invalid_policy");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(store: &'a Store, policy: &ConsentPolicy) -> Result<Ledger<'a>, ConsentError> {
        policy.validate()?;
        let events = &store.consents;
        let names = store.customers.len().saturating_add(events.len());
        if names.checked_mul(4).and_then(|g| u32::try_from(g).ok()).is_none() {
            return Err(ConsentError::TooLarge {
                message: format!(
                    "{} customers and {} consent events; the ledger indexes at most {} of both together",
                    store.customers.len(),
                    events.len(),
                    u32::MAX / 4
                ),
            });
        }
        let Index { ids, customer_rows, slots, codes, offsets } = build(&store.customers, events);
        let mut double_opt_in = vec![policy.double_opt_in.all; ids.len()];
        if policy.has_double_opt_in() && !policy.double_opt_in.all {
            for (c, &row) in store.customers.iter().zip(&customer_rows) {
                if policy.requires_double_opt_in(Some(c)) {
                    double_opt_in[row as usize] = true;
                }
            }
        }
        Ok(Ledger { store, policy: policy.clone(), ids, double_opt_in, slots, codes, offsets })
    }

    /// The policy the ledger applies.
    ///
    /// ```
    /// use crm_core::consent::{ConsentPolicy, Ledger};
    /// use crm_core::model::Store;
    /// let store = Store::default();
    /// let ledger = Ledger::new(&store, &ConsentPolicy { merchant_exempt: true, ..ConsentPolicy::default() })?;
    /// assert!(ledger.policy().merchant_exempt);
    /// assert!(ledger.store().consents.is_empty());
    /// # Ok::<(), crm_core::consent::ConsentError>(())
    /// ```
    pub fn policy(&self) -> &ConsentPolicy {
        &self.policy
    }

    /// The store the ledger reads (see [`Ledger::policy`] for an example).
    pub fn store(&self) -> &'a Store {
        self.store
    }

    /// Every customer id the ledger knows (store customers and ids named by
    /// consent events), sorted and unique; see [`Ledger::new`] for an example.
    pub fn customer_ids(&self) -> &[&'a str] {
        &self.ids
    }

    /// Row of a customer id in [`Ledger::customer_ids`].
    pub(crate) fn row(&self, customer_id: &str) -> Option<usize> {
        self.ids.binary_search(&customer_id).ok()
    }

    /// Applies the events of one row and channel up to `at`.
    pub(crate) fn fold_row(&self, row: usize, channel: usize, at: When, marketing: bool) -> Folded {
        let g = 4 * row + channel;
        let (a, b) = (self.offsets[g] as usize, self.offsets[g + 1] as usize);
        fold(&self.slots[a..b], &self.codes[a..b], at, marketing, self.double_opt_in[row], self.policy.window_secs())
    }

    /// May a message of `purpose` be sent to `customer_id` on `channel` at `at`,
    /// and why. Only events with `at` at or before the instant count. A
    /// customer the ledger does not know has no consent (and no suppression).
    ///
    /// ```
    /// use crm_core::consent::{ConsentPolicy, ConsentState, Ledger};
    /// use crm_core::model::{Channel, Purpose, Store};
    /// use crm_core::time::parse_instant;
    /// let store = Store::from_json(r#"{"consents": [
    ///   {"customer_id": "c1", "channel": "email", "purpose": "marketing", "status": "granted",
    ///    "at": "2024-03-01T12:00:00Z"},
    ///   {"customer_id": "c1", "channel": "email", "purpose": "marketing", "status": "suppressed",
    ///    "at": "2024-03-02T08:00:00Z", "reason": "hard_bounce"}
    /// ]}"#)?;
    /// let ledger = Ledger::new(&store, &ConsentPolicy::default())?;
    /// let d = ledger.decide("c1", Channel::Email, Purpose::Transactional, parse_instant("2024-03-03T00:00:00Z")?);
    /// assert_eq!((d.allowed, d.state), (false, ConsentState::Suppressed)); // the mailbox does not exist
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn decide(&self, customer_id: &str, channel: Channel, purpose: Purpose, at: Instant) -> Decision {
        let (state, evidence) = self.outcome_row(self.row(customer_id), channel, purpose, at);
        let evidence = evidence.iter().flatten().map(|&i| self.evidence(i as usize)).collect();
        Decision { allowed: state.is_allowed(), state, evidence }
    }

    /// Every consent event of a customer, as evidence, channel by channel
    /// (email, sms, call, push) in the order the ledger applies them.
    ///
    /// ```
    /// use crm_core::consent::{ConsentPolicy, Ledger};
    /// use crm_core::model::Store;
    /// let store = Store::from_json(r#"{"consents": [
    ///   {"customer_id": "c1", "channel": "sms", "purpose": "marketing", "status": "granted", "at": "2024-03-02T00:00:00Z"},
    ///   {"customer_id": "c1", "channel": "email", "purpose": "marketing", "status": "granted", "at": "2024-03-05T00:00:00Z"}
    /// ]}"#)?;
    /// let ledger = Ledger::new(&store, &ConsentPolicy::default())?;
    /// let idx: Vec<usize> = ledger.history("c1").iter().map(|e| e.event_index).collect();
    /// assert_eq!(idx, [1, 0]);
    /// assert!(ledger.history("c9").is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn history(&self, customer_id: &str) -> Vec<Evidence> {
        let Some(row) = self.row(customer_id) else { return Vec::new() };
        let (a, b) = (self.offsets[4 * row] as usize, self.offsets[4 * row + 4] as usize);
        self.slots[a..b].iter().map(|s| self.evidence(s.index as usize)).collect()
    }

    /// The state [`Ledger::decide`] gives for a row found once with
    /// [`Ledger::row`] (`None`: an unknown customer), without building its
    /// evidence, and the store index of its last evidence event.
    pub(crate) fn state_row(
        &self,
        row: Option<usize>,
        channel: Channel,
        purpose: Purpose,
        at: Instant,
    ) -> (ConsentState, Option<usize>) {
        let (state, evidence) = self.outcome_row(row, channel, purpose, at);
        (state, evidence.iter().flatten().last().map(|&i| i as usize))
    }

    /// The state of a row and channel at `at`, and the indices of its evidence events.
    fn outcome_row(
        &self,
        row: Option<usize>,
        channel: Channel,
        purpose: Purpose,
        at: Instant,
    ) -> (ConsentState, [Option<u32>; 2]) {
        let when = When::of(at);
        let folded = match row {
            Some(row) => self.fold_row(row, channel_index(channel), when, purpose == Purpose::Marketing),
            None => Folded::default(),
        };
        outcome(&folded, purpose, self.policy.merchant_exempt, when)
    }

    /// Whether a row has any consent event (else every marketing answer is `no_consent`).
    pub(crate) fn has_events(&self, row: usize) -> bool {
        self.offsets[4 * row] != self.offsets[4 * row + 4]
    }

    fn evidence(&self, index: usize) -> Evidence {
        Evidence::of(index, &self.store.consents[index])
    }
}
