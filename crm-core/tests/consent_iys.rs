//! İYS records: import with every bad record named by index and field,
//! export of the consent in force, and the round trip between them.

use crm_core::consent::{
    export_iys, import_iys, ConsentPolicy, DoubleOptIn, IysRecipientType, IysRecord, IysSource, IysStatus, IysType,
    Ledger,
};
use crm_core::model::{Channel, ConsentEvent, ConsentStatus, Purpose, RecipientType, Store};
use crm_core::time::{format_instant, parse_instant, Instant};
use serde_json::json;

fn t(s: &str) -> Instant {
    parse_instant(s).expect("instant")
}

fn shop() -> Store {
    Store::from_json(
        r#"{"customers": [
          {"id": "c1", "created_at": "2024-01-01T00:00:00Z", "email": "Ayse.Yilmaz@Example.com", "phone": "0532 123 45 67"},
          {"id": "c2", "created_at": "2024-01-01T00:00:00Z", "email": "shared@example.com", "phone": "+49 30 1234567"},
          {"id": "c3", "created_at": "2024-01-01T00:00:00Z", "email": "SHARED@example.com"},
          {"id": "c4", "created_at": "2024-01-01T00:00:00Z", "phone": "not a number"}
        ]}"#,
    )
    .expect("store")
}

fn record(overrides: serde_json::Value) -> serde_json::Value {
    let mut r = json!({
        "recipient": "ayse.yilmaz@example.com", "type": "EPOSTA", "status": "ONAY",
        "source": "HS_WEB", "consentDate": "2024-02-01 12:00:00", "recipientType": "BIREYSEL"
    });
    if let (Some(base), Some(over)) = (r.as_object_mut(), overrides.as_object()) {
        for (k, v) in over {
            if v.is_null() {
                base.remove(k);
            } else {
                base.insert(k.clone(), v.clone());
            }
        }
    }
    r
}

fn import(records: &[serde_json::Value]) -> Result<Vec<ConsentEvent>, crm_core::consent::ConsentErrors> {
    import_iys(&serde_json::Value::Array(records.to_vec()).to_string(), &shop())
}

/// Customer, channel, status, time, source and recipient type of an imported event.
type Imported<'a> = (&'a str, Channel, ConsentStatus, String, Option<&'a str>, RecipientType);

#[test]
fn import_maps_fields_to_consent_events() {
    let events = import(&[
        record(json!({})),
        record(json!({"recipient": "+90 532 123 45 67", "type": "MESAJ", "status": "RET", "source": "HS_MESAJ",
                      "consentDate": "2024-02-02 00:30:00"})),
        record(json!({"recipient": "905321234567", "type": "ARAMA", "recipientType": "TACIR", "source": null,
                      "retailerCode": 11223344, "retailerAccess": [22233344]})),
        record(json!({"recipient": "Shared@Example.com"})),
    ])
    .expect("valid");
    let seen: Vec<Imported> = events
        .iter()
        .map(|e| {
            assert_eq!(
                (e.purpose, e.id.as_deref(), e.proof.as_deref(), e.reason),
                (Purpose::Marketing, None, None, None)
            );
            (e.customer_id.as_str(), e.channel, e.status, format_instant(e.at), e.source.as_deref(), e.recipient_type)
        })
        .collect();
    assert_eq!(
        seen,
        [
            (
                "c1",
                Channel::Email,
                ConsentStatus::Granted,
                "2024-02-01T09:00:00Z".into(),
                Some("HS_WEB"),
                RecipientType::Individual
            ),
            (
                "c1",
                Channel::Sms,
                ConsentStatus::Withdrawn,
                "2024-02-01T21:30:00Z".into(),
                Some("HS_MESAJ"),
                RecipientType::Individual
            ),
            ("c1", Channel::Call, ConsentStatus::Granted, "2024-02-01T09:00:00Z".into(), None, RecipientType::Merchant),
            // One address, two accounts: the consent is the address owner's, for both.
            (
                "c2",
                Channel::Email,
                ConsentStatus::Granted,
                "2024-02-01T09:00:00Z".into(),
                Some("HS_WEB"),
                RecipientType::Individual
            ),
            (
                "c3",
                Channel::Email,
                ConsentStatus::Granted,
                "2024-02-01T09:00:00Z".into(),
                Some("HS_WEB"),
                RecipientType::Individual
            ),
        ]
    );
}

/// (code, index, field) of every error of an import that must fail.
fn errors_of(records: &[serde_json::Value]) -> Vec<(&'static str, Option<usize>, String)> {
    let errs = import(records).expect_err("must fail");
    errs.errors().iter().map(|e| (e.code(), e.index(), e.field().unwrap_or_default().to_string())).collect()
}

fn one(code: &'static str, index: usize, field: &str) -> Vec<(&'static str, Option<usize>, String)> {
    vec![(code, Some(index), field.to_string())]
}

#[test]
fn bad_records_are_named_by_index_and_field() {
    let ok = record(json!({}));
    let cases: Vec<(serde_json::Value, &str, &str)> = vec![
        (json!("EPOSTA"), "invalid_record", ""),
        (record(json!({"type": "FAKS"})), "unknown_channel", "type"),
        (record(json!({"type": 3})), "invalid_record", "type"),
        (record(json!({"status": "EVET"})), "invalid_record", "status"),
        (record(json!({"status": null})), "invalid_record", "status"),
        (record(json!({"recipientType": "KURUMSAL"})), "invalid_record", "recipientType"),
        (record(json!({"source": "HS_SOZLESME"})), "invalid_record", "source"),
        (record(json!({"source": null})), "invalid_record", "source"),
        (record(json!({"source": "HS_KARAR"})), "invalid_record", "source"),
        (record(json!({"source": "HS_2015", "consentDate": "2015-06-01 00:00:00"})), "invalid_record", "source"),
        (record(json!({"consentDate": "2024-02-01 12:00:00+03:00"})), "invalid_timestamp", "consentDate"),
        (record(json!({"consentDate": "2024-02-01 12:00:00Z"})), "invalid_timestamp", "consentDate"),
        (record(json!({"consentDate": "2024-02-01T12:00:00"})), "invalid_timestamp", "consentDate"),
        (record(json!({"consentDate": "2024-02-01 12:00"})), "invalid_timestamp", "consentDate"),
        (record(json!({"consentDate": "01.02.2024 12:00:00"})), "invalid_timestamp", "consentDate"),
        (record(json!({"consentDate": "2023-02-29 12:00:00"})), "invalid_timestamp", "consentDate"),
        (record(json!({"consentDate": "2015-04-30 23:59:59"})), "invalid_timestamp", "consentDate"),
        (record(json!({"consentDate": null})), "invalid_record", "consentDate"),
        (record(json!({"recipient": "ayse@"})), "invalid_record", "recipient"),
        (record(json!({"type": "MESAJ", "recipient": "+90 532 12"})), "invalid_record", "recipient"),
        (record(json!({"recipient": "nobody@example.com"})), "unknown_customer", "recipient"),
        (record(json!({"type": "MESAJ", "recipient": "+905559998877"})), "unknown_customer", "recipient"),
        (record(json!({"brandCode": 12345})), "invalid_record", "brandCode"),
        (record(json!({"retailerCode": "abc"})), "invalid_record", "retailerCode"),
        (record(json!({"retailerAccess": [1, -2]})), "invalid_record", "retailerAccess"),
    ];
    for (bad, code, field) in cases {
        // The bad record sits between good ones: it is index 1, and only it is reported.
        let label = bad.to_string();
        assert_eq!(errors_of(&[ok.clone(), bad, ok.clone()]), one(code, 1, field), "{label}");
    }
}

#[test]
fn every_bad_record_and_field_is_reported_and_nothing_is_imported() {
    let records = [
        record(json!({"type": "FAKS", "consentDate": "2024-02-01T12:00:00+03:00"})),
        record(json!({})),
        record(json!({"status": "onay", "recipientType": "tacir"})),
    ];
    let expected = vec![
        ("unknown_channel", Some(0), "type".to_string()),
        ("invalid_timestamp", Some(0), "consentDate".to_string()),
        ("invalid_record", Some(2), "status".to_string()),
        ("invalid_record", Some(2), "recipientType".to_string()),
    ];
    assert_eq!(errors_of(&records), expected);
    let errs = import(&records).expect_err("bad");
    assert_eq!(errs.code(), "unknown_channel");
    let msg = errs.to_string();
    assert!(msg.starts_with("4 errors; first: İYS record 0, field `type`: unknown channel `FAKS`"), "{msg}");
}

#[test]
fn documents_that_are_not_arrays_are_malformed() {
    for text in ["", "{", r#"{"recipient": "x@y.com"}"#, "null"] {
        let errs = import_iys(text, &shop()).expect_err(text);
        assert_eq!((errs.code(), errs.errors()[0].index()), ("malformed", None), "{text}");
    }
    assert_eq!(import_iys("[]", &shop()).expect("empty"), vec![]);
}

#[test]
fn merchants_may_omit_the_source_but_not_the_date() {
    let tacir = record(json!({"recipientType": "TACIR", "source": null}));
    assert_eq!(import(std::slice::from_ref(&tacir)).expect("ok")[0].source, None);
    let undated = record(json!({"recipientType": "TACIR", "source": null, "consentDate": null}));
    assert_eq!(errors_of(&[undated]), one("invalid_record", 0, "consentDate"));
    let old = record(json!({"source": "HS_2015", "consentDate": "2015-05-01 00:00:00"}));
    assert_eq!(format_instant(import(&[old]).expect("ok")[0].at), "2015-04-30T21:00:00Z");
}

fn consent(customer: &str, channel: Channel, status: ConsentStatus, at: &str, source: Option<&str>) -> ConsentEvent {
    ConsentEvent {
        id: None,
        customer_id: customer.into(),
        channel,
        purpose: Purpose::Marketing,
        status,
        at: t(at),
        source: source.map(str::to_string),
        proof: None,
        recipient_type: RecipientType::Individual,
        reason: None,
    }
}

fn rec(
    recipient: &str,
    kind: IysType,
    status: IysStatus,
    source: IysSource,
    date: &str,
    rt: IysRecipientType,
) -> IysRecord {
    IysRecord {
        recipient: recipient.into(),
        kind,
        status,
        source: Some(source),
        consent_date: Some(date.into()),
        recipient_type: rt,
        retailer_code: None,
        retailer_access: None,
    }
}

#[test]
fn export_writes_the_consent_in_force() {
    use ConsentStatus::*;
    let mut store = shop();
    let mut merchant_call = consent("c1", Channel::Call, Granted, "2024-03-01T07:00:00Z", Some("HS_CAGRI_MERKEZI"));
    merchant_call.recipient_type = RecipientType::Merchant;
    store.consents = vec![
        consent("c1", Channel::Email, Granted, "2024-03-01T09:00:00Z", Some("signup_form")),
        consent("c1", Channel::Email, Suppressed, "2024-03-02T09:00:00Z", None), // not İYS's business
        consent("c1", Channel::Sms, Granted, "2014-06-01T09:00:00Z", Some("HS_WEB")), // before İYS
        consent("c1", Channel::Sms, Withdrawn, "2024-03-01T21:15:30.5Z", Some("HS_MESAJ")),
        merchant_call,
        consent("c1", Channel::Push, Granted, "2024-03-01T09:00:00Z", None), // İYS has no push
        consent("c2", Channel::Email, Granted, "2014-01-01T00:00:00Z", Some("HS_KARAR")),
        consent("c3", Channel::Email, Withdrawn, "2024-03-05T00:00:00Z", Some("hs_web")),
        consent("c2", Channel::Sms, Granted, "2024-03-01T00:00:00Z", Some("HS_KARAR")),
        consent("c2", Channel::Call, Granted, "2024-03-01T00:00:00Z", None),
        consent("c2", Channel::Call, Erased, "2024-03-02T00:00:00Z", None),
        consent("c4", Channel::Sms, Granted, "2024-03-01T00:00:00Z", None), // no valid phone
        consent("c9", Channel::Email, Granted, "2024-03-01T00:00:00Z", None), // no customer record
        consent("c1", Channel::Call, Withdrawn, "2024-04-01T00:00:00Z", None), // after the instant
    ];
    store.consents[1].reason = Some(crm_core::model::SuppressionReason::HardBounce);
    let got = export_iys(&store, &ConsentPolicy::default(), t("2024-03-10T00:00:00Z")).expect("export");
    use IysRecipientType::*;
    use IysType::*;
    let expected = vec![
        rec("+49301234567", Mesaj, IysStatus::Onay, IysSource::HsEortam, "2024-03-01 03:00:00", Bireysel),
        rec("+905321234567", Arama, IysStatus::Onay, IysSource::HsCagriMerkezi, "2024-03-01 10:00:00", Tacir),
        rec("+905321234567", Mesaj, IysStatus::Ret, IysSource::HsMesaj, "2024-03-02 00:15:30", Bireysel),
        rec("ayse.yilmaz@example.com", Eposta, IysStatus::Onay, IysSource::HsEortam, "2024-03-01 12:00:00", Bireysel),
        // c2's pre-İYS grant and c3's later withdrawal share the address: the later one is written.
        rec("shared@example.com", Eposta, IysStatus::Ret, IysSource::HsWeb, "2024-03-05 03:00:00", Bireysel),
    ];
    assert_eq!(got, expected);
    // At an earlier instant the pre-İYS grant is the latest: HS_2015, dated 1 May 2015.
    let early = export_iys(&store, &ConsentPolicy::default(), t("2024-03-04T00:00:00Z")).expect("export");
    let shared = early.iter().find(|r| r.recipient == "shared@example.com").expect("shared");
    assert_eq!(
        *shared,
        rec("shared@example.com", Eposta, IysStatus::Onay, IysSource::Hs2015, "2015-05-01 00:00:00", Bireysel)
    );
    let json = serde_json::to_value(&expected[1]).expect("json");
    assert_eq!(
        json,
        json!({"recipient": "+905321234567", "type": "ARAMA", "status": "ONAY", "source": "HS_CAGRI_MERKEZI",
               "consentDate": "2024-03-01 10:00:00", "recipientType": "TACIR"})
    );
}

#[test]
fn export_leaves_out_unconfirmed_double_opt_in_grants() {
    let mut store = shop();
    store.consents =
        vec![consent("c1", Channel::Email, ConsentStatus::Granted, "2024-03-01T09:00:00Z", Some("HS_WEB"))];
    let policy = ConsentPolicy { double_opt_in: DoubleOptIn { all: true, ..Default::default() }, ..Default::default() };
    assert_eq!(export_iys(&store, &policy, t("2024-03-02T00:00:00Z")).expect("export"), vec![]);
    store.consents.push(consent("c1", Channel::Email, ConsentStatus::Confirmed, "2024-03-01T10:00:00Z", None));
    let got = export_iys(&store, &policy, t("2024-03-02T00:00:00Z")).expect("export");
    assert_eq!((got.len(), got[0].consent_date.as_deref()), (1, Some("2024-03-01 12:00:00")));
    let bad = ConsentPolicy { confirm_within_hours: 0, ..policy };
    assert_eq!(export_iys(&store, &bad, t("2024-03-02T00:00:00Z")).expect_err("policy").code(), "invalid_policy");
}

#[test]
fn import_of_an_export_gives_the_same_states() {
    use ConsentStatus::*;
    let mut store = shop();
    store.customers.truncate(2); // addresses of their own
    store.consents = vec![
        consent("c1", Channel::Email, Granted, "2024-03-01T09:00:00.250Z", Some("HS_WEB")),
        consent("c1", Channel::Sms, Granted, "2024-03-01T09:00:00Z", Some("HS_MOBIL")),
        consent("c1", Channel::Sms, Withdrawn, "2024-03-03T09:00:00Z", None),
        consent("c2", Channel::Call, Granted, "2024-03-04T09:00:00Z", None),
        consent("c2", Channel::Email, Withdrawn, "2024-03-04T09:00:00Z", Some("HS_KARAR")),
    ];
    let at = t("2024-03-10T00:00:00Z");
    let records = export_iys(&store, &ConsentPolicy::default(), at).expect("export");
    let text = serde_json::to_string(&records).expect("json");
    let imported = Store { consents: import_iys(&text, &store).expect("import"), ..store.clone() };
    let (a, b) = (
        Ledger::new(&store, &ConsentPolicy::default()).expect("ledger"),
        Ledger::new(&imported, &ConsentPolicy::default()).expect("ledger"),
    );
    for id in ["c1", "c2"] {
        for ch in [Channel::Email, Channel::Sms, Channel::Call, Channel::Push] {
            let (x, y) = (a.decide(id, ch, Purpose::Marketing, at), b.decide(id, ch, Purpose::Marketing, at));
            assert_eq!(x.state, y.state, "{id} {ch:?}");
        }
    }
    assert_eq!(export_iys(&imported, &ConsentPolicy::default(), at).expect("export"), records);
}
