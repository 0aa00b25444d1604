//! Export: everything held on one person as one JSON document (GDPR Art. 15
//! and 20, KVKK Art. 11). The sections are described in the [module
//! docs](super#export).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::facts::{customer_facts, FactsOptions};
use crate::model::{Cart, ConsentEvent, Customer, Event, Order, Store};
use crate::money::Currency;
use crate::segment::{rfm_for_store, rfm_segments, RfmOptions, SegmentMap};
use crate::time::Instant;

use super::subject::Subject;
use super::PrivacyError;

/// The `format` marker of an export document.
///
/// ```
/// assert_eq!(crm_core::privacy::EXPORT_FORMAT, "crm-subject-export");
/// ```
pub const EXPORT_FORMAT: &str = "crm-subject-export";

/// The `version` of the export document's schema; raised on any incompatible change.
///
/// ```
/// assert_eq!(crm_core::privacy::EXPORT_VERSION, 1);
/// ```
pub const EXPORT_VERSION: u32 = 1;

/// The segment map whose segment names the export reports (a
/// [`SegmentMap::preset`] name).
///
/// ```
/// use crm_core::segment::SegmentMap;
/// assert!(SegmentMap::preset(crm_core::privacy::EXPORT_SEGMENT_MAP).is_ok());
/// ```
pub const EXPORT_SEGMENT_MAP: &str = "seed";

/// How the derived sections (`facts`, `segments`) of an export are computed.
///
/// ```
/// use crm_core::privacy::ExportOptions;
/// let o = ExportOptions::default();
/// assert_eq!(o.rfm.k, 5);
/// assert!(o.facts.rates.is_none());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExportOptions {
    /// Options of the facts (and of the facts under the RFM scores): pass
    /// exchange rates for a shop that sells in several currencies.
    pub facts: FactsOptions,
    /// Options of the RFM scores (default: k = 5, ranked over all history).
    pub rfm: RfmOptions,
}

/// Everything held on one person: the export document.
///
/// Serialise it with [`SubjectExport::to_json`]; the same store, id, instant
/// and options always give the same bytes. Every field is always present
/// (`null` or `[]` when empty), in the order below.
///
/// ```
/// use crm_core::model::Store;
/// use crm_core::privacy::{export, EXPORT_FORMAT};
/// use crm_core::time::parse_instant;
///
/// let store = Store::from_json(r#"{
///   "customers": [{"id": "c1", "created_at": "2024-01-01T00:00:00Z", "email": "ayse@example.com"}],
///   "orders": [{"id": "o1", "customer_id": "c1", "placed_at": "2024-02-01T10:00:00Z",
///               "currency": "TRY", "status": "paid", "subtotal": 1000, "total": 1000}]
/// }"#)?;
/// let doc = export(&store, "c1", parse_instant("2024-03-01T00:00:00Z")?)?;
/// assert_eq!(doc.format, EXPORT_FORMAT);
/// assert_eq!(doc.orders.len(), 1);
/// let json: serde_json::Value = serde_json::from_str(&doc.to_json())?;
/// assert_eq!(json["profile"]["email"], "ayse@example.com");
/// assert_eq!(json["facts"]["net_spend"], 1000);
/// // Ranked alone, every score is 1 (nobody is worse): the seed map says "At Risk" (r <= 2).
/// assert_eq!(json["segments"]["r"], 1);
/// assert_eq!(json["segments"]["segment"], "At Risk");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubjectExport {
    /// Always [`EXPORT_FORMAT`].
    pub format: String,
    /// Always [`EXPORT_VERSION`].
    pub version: u32,
    /// The customer id the export was asked for.
    pub customer_id: String,
    /// The instant the export describes (the `as_of` of the facts and segments).
    #[serde(with = "crate::time::serde_instant")]
    pub exported_at: Instant,
    /// The customer record as stored; `null` when the id is known only from
    /// other records (orders, carts, events, consent events).
    pub profile: Option<Customer>,
    /// Their orders (their id, or guest orders with one of their contacts), by `placed_at`.
    pub orders: Vec<Order>,
    /// Their carts (their id, or guest carts with one of their contacts), by `created_at`.
    pub carts: Vec<Cart>,
    /// Their behavioural events (their id, or anonymous events linked to them), by `at`.
    pub events: Vec<Event>,
    /// Their consent ledger, every event with its source and proof, by `at`.
    pub consent: Vec<ConsentEvent>,
    /// Their row of the customer facts as of `exported_at` (the facts wire
    /// form); `null` when they have none or it could not be computed.
    pub facts: Option<Map<String, Value>>,
    /// Their RFM values, scores and segment; `null` for a prospect (no
    /// counted order) or when it could not be computed.
    pub segments: Option<SubjectSegments>,
    /// Why a derived section is `null` although it could have had a value.
    pub unavailable: Vec<Unavailable>,
}

impl SubjectExport {
    /// The document as compact JSON.
    ///
    /// ```
    /// use crm_core::model::Store;
    /// use crm_core::privacy::export;
    /// use crm_core::time::parse_instant;
    /// let store = Store::from_json(r#"{"customers": [{"id": "c1", "created_at": "2024-01-01T00:00:00Z"}]}"#)?;
    /// let json = export(&store, "c1", parse_instant("2024-03-01T00:00:00Z")?)?.to_json();
    /// assert!(json.starts_with(r#"{"format":"crm-subject-export","version":1,"customer_id":"c1","#));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn to_json(&self) -> String {
        // Cannot fail: every map key is a string and no serialiser reports an error.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// The `segments` section: RFM as the shop computes it for everyone (scores
/// are ranks among all scored customers of the store) and the segment of the
/// [`EXPORT_SEGMENT_MAP`] map.
///
/// ```
/// use crm_core::privacy::SubjectSegments;
/// let s: SubjectSegments = serde_json::from_str(r#"{"map": "seed", "k": 5, "recency": 3,
///   "frequency": 1, "monetary": 1000, "currency": "TRY", "r": 5, "f": 1, "m": 1, "segment": "New"}"#)?;
/// assert_eq!(s.segment, "New");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubjectSegments {
    /// The segment map used (`seed`).
    pub map: String,
    /// Number of scores (scores run 1..=k).
    pub k: u8,
    /// Whole days since their last counted order.
    pub recency: i64,
    /// Counted orders.
    pub frequency: u32,
    /// Net spend in minor units of `currency`.
    pub monetary: i64,
    /// Currency of `monetary`.
    pub currency: Currency,
    /// Recency score.
    pub r: u8,
    /// Frequency score.
    pub f: u8,
    /// Monetary score.
    pub m: u8,
    /// Name of their segment in the map.
    pub segment: String,
}

/// A derived section that could not be computed, and why.
///
/// ```
/// use crm_core::privacy::Unavailable;
/// let u = Unavailable { section: "segments".into(), code: "mixed_currencies".into(), message: "…".into() };
/// assert_eq!(serde_json::to_value(&u)?["code"], "mixed_currencies");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Unavailable {
    /// `facts` or `segments`.
    pub section: String,
    /// The stable code of the error (`mixed_currencies`, `missing_rate` …).
    pub code: String,
    /// The error's message.
    pub message: String,
}

/// Everything held on `customer_id`, with the default [`ExportOptions`].
///
/// # Errors
/// [`PrivacyError::UnknownCustomer`] when no record names the id.
///
/// # Example
/// ```
/// use crm_core::model::Store;
/// use crm_core::privacy::export;
/// use crm_core::time::parse_instant;
/// let store = Store::from_json(r#"{"customers": [{"id": "p1", "created_at": "2024-01-01T00:00:00Z"}]}"#)?;
/// let doc = export(&store, "p1", parse_instant("2024-03-01T00:00:00Z")?)?;
/// assert!(doc.orders.is_empty());
/// assert!(doc.segments.is_none()); // a prospect
/// assert_eq!(doc.facts.as_ref().map(|f| f["order_count"].clone()), Some(0.into()));
/// assert!(export(&store, "nobody", doc.exported_at).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn export(store: &Store, customer_id: &str, as_of: Instant) -> Result<SubjectExport, PrivacyError> {
    export_with(store, customer_id, as_of, &ExportOptions::default())
}

/// Everything held on `customer_id`, the derived sections computed with `options`.
///
/// # Errors
/// [`PrivacyError::UnknownCustomer`] when no record names the id. A derived
/// section that cannot be computed (mixed currencies without rates, a missing
/// rate, an invalid RFM option) is not an error: it is `null` and listed in
/// [`SubjectExport::unavailable`].
///
/// # Example
/// ```
/// use crm_core::model::Store;
/// use crm_core::privacy::{export_with, ExportOptions};
/// use crm_core::segment::RfmOptions;
/// use crm_core::time::parse_instant;
/// let store = Store::from_json(r#"{"orders": [{"id": "o1", "customer_id": "c1",
///   "placed_at": "2024-02-01T10:00:00Z", "currency": "TRY", "status": "paid", "subtotal": 1000, "total": 1000}]}"#)?;
/// let bad_k = ExportOptions { rfm: RfmOptions { k: 2, ..RfmOptions::default() }, ..ExportOptions::default() };
/// let doc = export_with(&store, "c1", parse_instant("2024-03-01T00:00:00Z")?, &bad_k)?;
/// assert!(doc.profile.is_none() && doc.segments.is_none());
/// assert_eq!((doc.unavailable[0].section.as_str(), doc.unavailable[0].code.as_str()), ("segments", "invalid_option"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn export_with(
    store: &Store,
    customer_id: &str,
    as_of: Instant,
    options: &ExportOptions,
) -> Result<SubjectExport, PrivacyError> {
    let subject = Subject::find(store, customer_id);
    if !subject.known {
        return Err(PrivacyError::UnknownCustomer { customer_id: customer_id.to_string() });
    }
    // Stable sorts: records with equal times keep their order in the store.
    let mut orders: Vec<Order> = store.orders.iter().filter(|o| subject.owns_order(o)).cloned().collect();
    orders.sort_by_key(|o| o.placed_at);
    let mut carts: Vec<Cart> = store.carts.iter().filter(|k| subject.owns_cart(k)).cloned().collect();
    carts.sort_by_key(|k| k.created_at);
    let mut events: Vec<Event> = store.events.iter().filter(|e| subject.owns_event(e)).cloned().collect();
    events.sort_by_key(|e| e.at);
    let mut consent: Vec<ConsentEvent> = store.consents.iter().filter(|c| subject.owns_consent(c)).cloned().collect();
    consent.sort_by_key(|c| c.at);

    let mut unavailable = Vec::new();
    let facts = facts_section(store, &subject, as_of, &options.facts, &mut unavailable);
    let segments = segments_section(store, customer_id, as_of, options, &mut unavailable);
    Ok(SubjectExport {
        format: EXPORT_FORMAT.to_string(),
        version: EXPORT_VERSION,
        customer_id: customer_id.to_string(),
        exported_at: as_of,
        profile: subject.customer.cloned(),
        orders,
        carts,
        events,
        consent,
        facts,
        segments,
        unavailable,
    })
}

/// Their facts row, computed from their own records only (a customer's row
/// depends on nothing else, and another customer's bad data cannot fail it).
fn facts_section(
    store: &Store,
    subject: &Subject<'_>,
    as_of: Instant,
    options: &FactsOptions,
    unavailable: &mut Vec<Unavailable>,
) -> Option<Map<String, Value>> {
    let mine = |c: &Option<String>| c.as_deref() == Some(subject.id);
    let own = Store {
        customers: subject.customer.into_iter().cloned().collect(),
        orders: store.orders.iter().filter(|o| mine(&o.customer_id)).cloned().collect(),
        carts: store.carts.iter().filter(|k| mine(&k.customer_id)).cloned().collect(),
        consents: Vec::new(),
        events: store.events.iter().filter(|e| mine(&e.customer_id)).cloned().collect(),
    };
    match customer_facts(&own, as_of, options) {
        Ok(f) => {
            let i = f.customer_id.iter().position(|c| c == subject.id)?;
            match f.row_json(i) {
                Value::Object(map) => Some(map),
                _ => None,
            }
        }
        Err(e) => {
            unavailable.push(Unavailable { section: "facts".into(), code: e.code().into(), message: e.to_string() });
            None
        }
    }
}

/// Their RFM row and segment among all customers of the store.
fn segments_section(
    store: &Store,
    id: &str,
    as_of: Instant,
    options: &ExportOptions,
    unavailable: &mut Vec<Unavailable>,
) -> Option<SubjectSegments> {
    let mut fail = |code: &str, message: String| {
        unavailable.push(Unavailable { section: "segments".into(), code: code.into(), message });
        None
    };
    let scores = match rfm_for_store(store, as_of, &options.facts, &options.rfm) {
        Ok(s) => s,
        Err(e) => return fail(e.code(), e.to_string()),
    };
    let i = scores.customer_id.iter().position(|c| c == id)?;
    let (Some(Some(recency)), Some(Some(currency)), Some(Some(r)), Some(Some(f)), Some(Some(m))) =
        (scores.recency.get(i), scores.currency.get(i), scores.r.get(i), scores.f.get(i), scores.m.get(i))
    else {
        return None; // a prospect: no counted order, no scores
    };
    let map = match SegmentMap::preset(EXPORT_SEGMENT_MAP) {
        Ok(m) => m,
        Err(e) => return fail(e.code(), e.to_string()),
    };
    let names = match rfm_segments(&scores, &map) {
        Ok(n) => n,
        Err(e) => return fail(e.code(), e.to_string()),
    };
    Some(SubjectSegments {
        map: EXPORT_SEGMENT_MAP.to_string(),
        k: options.rfm.k,
        recency: *recency,
        frequency: *scores.frequency.get(i)?,
        monetary: *scores.monetary.get(i)?,
        currency: *currency,
        r: *r,
        f: *f,
        m: *m,
        segment: names.get(i).cloned().flatten()?,
    })
}
