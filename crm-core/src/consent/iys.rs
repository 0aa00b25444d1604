//! İYS (İleti Yönetim Sistemi, Turkey's consent registry) records: the field
//! set of its consent API as JSON, imported as consent events and exported
//! from the ledger.

use chrono::{NaiveDate, NaiveDateTime, TimeDelta};
use serde::{Deserialize, Serialize};

use crate::model::Channel;
use crate::time::Instant;

/// Defines an İYS code list: a fieldless enum serialised as the İYS codes,
/// with `as_str`, `parse` and the list of all values.
macro_rules! iys_codes {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $code:literal,)+ }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum $name {
            $($(#[$vdoc])* #[serde(rename = $code)] $variant,)+
        }

        impl $name {
            /// Every value, in declaration order.
            #[doc = concat!("\n```\nuse crm_core::consent::", stringify!($name), ";\nassert!(!", stringify!($name), "::ALL.is_empty());\n```")]
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The İYS code.
            #[doc = concat!("\n```\nuse crm_core::consent::", stringify!($name), ";\nfor v in ", stringify!($name), "::ALL {\n    assert!(v.as_str().chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'));\n}\n```")]
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $code,)+
                }
            }

            /// The value of an İYS code (exact, upper case), if it is one.
            #[doc = concat!("\n```\nuse crm_core::consent::", stringify!($name), ";\nfor v in ", stringify!($name), "::ALL {\n    assert_eq!(", stringify!($name), "::parse(v.as_str()), Some(*v));\n}\nassert_eq!(", stringify!($name), "::parse(\"?\"), None);\n```")]
            pub fn parse(code: &str) -> Option<$name> {
                match code {
                    $($code => Some($name::$variant),)+
                    _ => None,
                }
            }
        }
    };
}

iys_codes! {
    /// İYS `type`: the channel a consent covers.
    ///
    /// ```
    /// use crm_core::consent::IysType;
    /// use crm_core::model::Channel;
    /// assert_eq!(IysType::parse("MESAJ").map(IysType::channel), Some(Channel::Sms));
    /// assert_eq!(IysType::of_channel(Channel::Push), None);
    /// ```
    IysType {
        /// SMS.
        Mesaj = "MESAJ",
        /// Phone call.
        Arama = "ARAMA",
        /// E-mail.
        Eposta = "EPOSTA",
    }
}

iys_codes! {
    /// İYS `status`: consent given (`ONAY`) or refused (`RET`).
    ///
    /// ```
    /// use crm_core::consent::IysStatus;
    /// assert_eq!(IysStatus::parse("RET"), Some(IysStatus::Ret));
    /// assert_eq!(IysStatus::parse("ret"), None);
    /// ```
    IysStatus {
        /// Granted.
        Onay = "ONAY",
        /// Refused or withdrawn.
        Ret = "RET",
    }
}

iys_codes! {
    /// İYS `recipientType`: an individual (`BIREYSEL`) or a merchant (`TACIR`).
    ///
    /// ```
    /// use crm_core::consent::IysRecipientType;
    /// assert_eq!(IysRecipientType::Tacir.as_str(), "TACIR");
    /// ```
    IysRecipientType {
        /// An individual.
        Bireysel = "BIREYSEL",
        /// A merchant.
        Tacir = "TACIR",
    }
}

iys_codes! {
    /// İYS `source`: where the service provider obtained the consent
    /// (the thirteen codes of the İYS consent API).
    ///
    /// ```
    /// use crm_core::consent::IysSource;
    /// assert_eq!(IysSource::ALL.len(), 13);
    /// assert_eq!(IysSource::parse("HS_WEB"), Some(IysSource::HsWeb));
    /// assert_eq!(IysSource::parse("web_form"), None);
    /// ```
    IysSource {
        /// Consent recorded before 1 May 2015 (only with `consentDate` 2015-05-01 00:00:00).
        Hs2015 = "HS_2015",
        /// Set to refused by the provider's own decision (only with `RET`).
        HsKarar = "HS_KARAR",
        /// Obtained in a physical environment.
        HsFizikselOrtam = "HS_FIZIKSEL_ORTAM",
        /// A signed form or survey.
        HsIslakImza = "HS_ISLAK_IMZA",
        /// At an event the provider organised.
        HsEtkinlik = "HS_ETKINLIK",
        /// The provider's ATM.
        HsAtm = "HS_ATM",
        /// Another electronic environment of the provider.
        HsEortam = "HS_EORTAM",
        /// The provider's web site.
        HsWeb = "HS_WEB",
        /// The provider's mobile application.
        HsMobil = "HS_MOBIL",
        /// The provider's short-message number.
        HsMesaj = "HS_MESAJ",
        /// By e-mail.
        HsEposta = "HS_EPOSTA",
        /// The provider's call centre.
        HsCagriMerkezi = "HS_CAGRI_MERKEZI",
        /// The provider's social-media account.
        HsSosyalMedya = "HS_SOSYAL_MEDYA",
    }
}

impl IysType {
    /// Our channel: `MESAJ` → sms, `ARAMA` → call, `EPOSTA` → email.
    ///
    /// ```
    /// use crm_core::consent::IysType;
    /// use crm_core::model::Channel;
    /// assert_eq!(IysType::Eposta.channel(), Channel::Email);
    /// ```
    pub fn channel(self) -> Channel {
        match self {
            IysType::Mesaj => Channel::Sms,
            IysType::Arama => Channel::Call,
            IysType::Eposta => Channel::Email,
        }
    }

    /// The İYS type of a channel; push has none.
    ///
    /// ```
    /// use crm_core::consent::IysType;
    /// use crm_core::model::Channel;
    /// assert_eq!(IysType::of_channel(Channel::Call), Some(IysType::Arama));
    /// ```
    pub fn of_channel(channel: Channel) -> Option<IysType> {
        match channel {
            Channel::Sms => Some(IysType::Mesaj),
            Channel::Call => Some(IysType::Arama),
            Channel::Email => Some(IysType::Eposta),
            Channel::Push => None,
        }
    }
}

/// One consent in the İYS field set.
///
/// `consentDate` is `YYYY-MM-DD HH:MM:SS` in Turkey's time (UTC+03:00);
/// `retailerCode` and `retailerAccess` (dealer numbers) are accepted but not
/// kept in the ledger.
///
/// ```
/// use crm_core::consent::{IysRecord, IysSource, IysType};
/// let r: IysRecord = serde_json::from_str(r#"{"recipient": "+905813334455", "type": "ARAMA",
///   "status": "ONAY", "source": "HS_CAGRI_MERKEZI", "consentDate": "2018-02-10 09:30:00",
///   "recipientType": "BIREYSEL"}"#)?;
/// assert_eq!((r.kind, r.source), (IysType::Arama, Some(IysSource::HsCagriMerkezi)));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IysRecord {
    /// E-mail address (`EPOSTA`) or phone number as `+90XXXXXXXXXX` (`MESAJ`, `ARAMA`).
    pub recipient: String,
    /// Channel.
    #[serde(rename = "type")]
    pub kind: IysType,
    /// Granted or refused.
    pub status: IysStatus,
    /// Where the consent was obtained (optional for merchants).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<IysSource>,
    /// When, `YYYY-MM-DD HH:MM:SS` in Turkey's time (optional for merchants in İYS; required to import).
    #[serde(rename = "consentDate", default, skip_serializing_if = "Option::is_none")]
    pub consent_date: Option<String>,
    /// Individual or merchant.
    #[serde(rename = "recipientType")]
    pub recipient_type: IysRecipientType,
    /// İYS number of the dealer that obtained the consent.
    #[serde(rename = "retailerCode", default, skip_serializing_if = "Option::is_none")]
    pub retailer_code: Option<u64>,
    /// İYS numbers of the dealers with access to the consent.
    #[serde(rename = "retailerAccess", default, skip_serializing_if = "Option::is_none")]
    pub retailer_access: Option<Vec<u64>>,
}

/// Turkey's offset from UTC, which İYS uses for every date.
pub(crate) const TURKEY: TimeDelta = TimeDelta::hours(3);
/// The earliest `consentDate` İYS accepts, in Turkey's time.
pub(crate) const IYS_START: &str = "2015-05-01 00:00:00";
pub(crate) const FIELDS: [&str; 8] =
    ["recipient", "type", "status", "source", "consentDate", "recipientType", "retailerCode", "retailerAccess"];

/// An instant as an İYS `consentDate`: `YYYY-MM-DD HH:MM:SS` in Turkey's time
/// (UTC+03:00), fractions of a second dropped.
///
/// ```
/// use crm_core::consent::format_iys_date;
/// use crm_core::time::parse_instant;
/// assert_eq!(format_iys_date(parse_instant("2024-01-05T21:30:15.9Z")?), "2024-01-06 00:30:15");
/// # Ok::<(), crm_core::time::TimeError>(())
/// ```
pub fn format_iys_date(t: Instant) -> String {
    let local = t.naive_utc().checked_add_signed(TURKEY).unwrap_or(t.naive_utc());
    local.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// Parses an İYS `consentDate` (exactly `YYYY-MM-DD HH:MM:SS`, Turkey's time).
pub(crate) fn parse_iys_date(text: &str) -> Result<(NaiveDateTime, Instant), &'static str> {
    let shaped = |s: &[u8]| {
        s.len() == 19
            && s.iter().enumerate().all(|(i, &c)| match i {
                4 | 7 => c == b'-',
                10 => c == b' ',
                13 | 16 => c == b':',
                _ => c.is_ascii_digit(),
            })
    };
    let bytes = text.as_bytes();
    if !shaped(bytes) {
        return Err(if bytes.len() > 19 && shaped(&bytes[..19]) {
            "expected YYYY-MM-DD HH:MM:SS in Turkey's time, with no zone or fraction after it"
        } else {
            "expected YYYY-MM-DD HH:MM:SS in Turkey's time (UTC+03:00)"
        });
    }
    let local = NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S").map_err(|_| "no such date or time")?;
    let utc = local.checked_sub_signed(TURKEY).ok_or("no such date or time")?;
    Ok((local, utc.and_utc()))
}

/// The instant of [`IYS_START`].
pub(crate) fn iys_start() -> Option<NaiveDateTime> {
    NaiveDate::from_ymd_opt(2015, 5, 1)?.and_hms_opt(0, 0, 0)
}
