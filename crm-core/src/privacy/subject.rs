//! Which records of a store belong to one person (the data subject).
//!
//! One definition, shared by the export and the erasure, so that what is
//! handed over is exactly what is erased.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::model::{Cart, ConsentEvent, Contact, Customer, Event, Order, Store};

use super::pseudonym::{normalize_email, normalize_phone};

/// A person and the contacts and visitor ids that identify them.
#[derive(Debug)]
pub(crate) struct Subject<'a> {
    /// The customer id asked for.
    pub id: &'a str,
    /// The customer record, when there is one.
    pub customer: Option<&'a Customer>,
    /// Normalised e-mails: the profile's and those on their own orders and carts.
    pub emails: BTreeSet<String>,
    /// Normalised phones (digits), from the same places.
    pub phones: BTreeSet<String>,
    /// Visitor ids seen on their own events.
    anonymous_ids: BTreeSet<&'a str>,
    /// True when a customer record or any record names the id.
    pub known: bool,
}

impl<'a> Subject<'a> {
    /// Collects the person's identifiers from the records that carry their id.
    pub fn find(store: &'a Store, id: &'a str) -> Subject<'a> {
        let mine = |c: &Option<String>| c.as_deref() == Some(id);
        let customer = store.customers.iter().find(|c| c.id == id);
        let mut s = Subject {
            id,
            customer,
            emails: BTreeSet::new(),
            phones: BTreeSet::new(),
            anonymous_ids: BTreeSet::new(),
            known: customer.is_some(),
        };
        if let Some(c) = customer {
            s.add_contact(c.email.as_deref(), c.phone.as_deref());
        }
        for o in store.orders.iter().filter(|o| mine(&o.customer_id)) {
            s.known = true;
            if let Some(c) = &o.contact {
                s.add_contact(c.email.as_deref(), c.phone.as_deref());
            }
        }
        for k in store.carts.iter().filter(|k| mine(&k.customer_id)) {
            s.known = true;
            if let Some(c) = &k.contact {
                s.add_contact(c.email.as_deref(), c.phone.as_deref());
            }
        }
        for e in store.events.iter().filter(|e| mine(&e.customer_id)) {
            s.known = true;
            if let Some(a) = e.anonymous_id.as_deref() {
                s.anonymous_ids.insert(a);
            }
        }
        s.known |= store.consents.iter().any(|c| c.customer_id == id);
        s
    }

    fn add_contact(&mut self, email: Option<&str>, phone: Option<&str>) {
        self.emails.extend(email.and_then(normalize_email));
        self.phones.extend(phone.and_then(normalize_phone));
    }

    fn is_me(&self, customer_id: Option<&str>) -> bool {
        customer_id == Some(self.id)
    }

    /// A guest contact with one of the person's e-mails or phones.
    fn contact_matches(&self, contact: Option<&Contact>) -> bool {
        let Some(c) = contact else { return false };
        c.email.as_deref().and_then(normalize_email).is_some_and(|e| self.emails.contains(&e))
            || c.phone.as_deref().and_then(normalize_phone).is_some_and(|p| self.phones.contains(&p))
    }

    /// A JSON value that is, or contains, one of the person's contacts: a
    /// string with an `@` equal to an e-mail once normalised, or a string made
    /// only of digits, spaces and `+ - ( ) .` equal to a phone once normalised.
    fn value_matches(&self, v: &Value) -> bool {
        match v {
            Value::String(s) if s.contains('@') => normalize_email(s).is_some_and(|e| self.emails.contains(&e)),
            Value::String(s) if s.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c)) => {
                normalize_phone(s).is_some_and(|p| self.phones.contains(&p))
            }
            Value::Array(items) => items.iter().any(|x| self.value_matches(x)),
            Value::Object(map) => map.values().any(|x| self.value_matches(x)),
            _ => false,
        }
    }

    /// Their order: their id, or a guest order with their contact.
    pub fn owns_order(&self, o: &Order) -> bool {
        self.is_me(o.customer_id.as_deref()) || (o.customer_id.is_none() && self.contact_matches(o.contact.as_ref()))
    }

    /// Their cart: their id, or a guest cart with their contact.
    pub fn owns_cart(&self, k: &Cart) -> bool {
        self.is_me(k.customer_id.as_deref()) || (k.customer_id.is_none() && self.contact_matches(k.contact.as_ref()))
    }

    /// Their event: their id, or an anonymous event with one of their visitor
    /// ids or with one of their contacts among its properties.
    pub fn owns_event(&self, e: &Event) -> bool {
        if self.is_me(e.customer_id.as_deref()) {
            return true;
        }
        e.customer_id.is_none()
            && (e.anonymous_id.as_deref().is_some_and(|a| self.anonymous_ids.contains(a))
                || e.properties.values().any(|v| self.value_matches(v)))
    }

    /// Their consent event: their id, or keyed by one of their e-mail addresses.
    pub fn owns_consent(&self, c: &ConsentEvent) -> bool {
        c.customer_id == self.id
            || (c.customer_id.contains('@')
                && normalize_email(&c.customer_id).is_some_and(|e| self.emails.contains(&e)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn subject(store: &Store) -> Subject<'_> {
        Subject::find(store, "c1")
    }

    fn store() -> Store {
        Store::from_json(
            r#"{"customers": [{"id": "c1", "created_at": "2024-01-01T00:00:00Z",
                "email": " Ayse@Example.com", "phone": "+90 555 111 22 33"}],
                "carts": [{"id": "k1", "customer_id": "c1", "contact": {"email": "old@example.com"}, "currency": "TRY",
                "created_at": "2024-01-01T00:00:00Z", "updated_at": "2024-01-01T00:00:00Z"}]}"#,
        )
        .unwrap()
    }

    #[test]
    fn contacts_come_from_the_profile_and_own_records() {
        let s = store();
        let me = subject(&s);
        assert!(me.known);
        assert_eq!(me.emails.iter().collect::<Vec<_>>(), ["ayse@example.com", "old@example.com"]);
        assert_eq!(me.phones.iter().collect::<Vec<_>>(), ["905551112233"]);
        assert!(!Subject::find(&s, "c2").known);
    }

    #[test]
    fn property_values_match_contacts_only_when_they_look_like_one() {
        let s = store();
        let me = subject(&s);
        assert!(me.value_matches(&json!("AYSE@example.com ")));
        assert!(me.value_matches(&json!({"a": [1, {"b": "old@example.com"}]})));
        assert!(me.value_matches(&json!("+90 (555) 111-22-33")));
        // Digits inside other text are not a phone; numbers are not strings.
        assert!(!me.value_matches(&json!("order 905551112233")));
        assert!(!me.value_matches(&json!(905551112233i64)));
        assert!(!me.value_matches(&json!("someone@example.com")));
    }

    #[test]
    fn consents_keyed_by_her_email_are_hers() {
        let s = store();
        let me = subject(&s);
        let g = |id: &str| -> ConsentEvent {
            serde_json::from_value(json!({"customer_id": id, "channel": "email", "purpose": "marketing",
                "status": "granted", "at": "2024-01-01T00:00:00Z"}))
            .unwrap()
        };
        assert!(me.owns_consent(&g("c1")));
        assert!(me.owns_consent(&g("AYSE@example.com")));
        assert!(!me.owns_consent(&g("905551112233"))); // an id that happens to be digits is not a phone
        assert!(!me.owns_consent(&g("c2")));
    }
}
