//! Money: integer minor units with an ISO 4217 currency.
//!
//! Amounts are never floating point. Arithmetic is checked: overflow and
//! mixing currencies are errors, never silent wrap-around or coercion.
//!
//! ```
//! use crm_core::money::{Currency, Money};
//! let try_ = Currency::new("TRY")?;
//! let a = Money::new(150_00, try_);
//! let b = Money::new(49_99, try_);
//! assert_eq!(a.checked_add(b)?, Money::new(199_99, try_));
//! assert_eq!(a.to_string(), "150.00 TRY");
//! # Ok::<(), crm_core::money::MoneyError>(())
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use thiserror::Error;

/// Errors of the money domain.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MoneyError {
    /// The code is not an active ISO 4217 currency code.
    #[error("unknown currency `{value}` (expected an ISO 4217 code such as TRY, EUR, USD)")]
    UnknownCurrency {
        /// The rejected code.
        value: String,
    },
    /// Two amounts in different currencies were combined.
    #[error("currency mismatch: {left} vs {right}")]
    CurrencyMismatch {
        /// Currency of the left operand.
        left: Currency,
        /// Currency of the right operand.
        right: Currency,
    },
    /// The result does not fit in 64-bit minor units.
    #[error("money overflow in {operation}")]
    Overflow {
        /// The operation that overflowed.
        operation: &'static str,
    },
    /// No exchange rate was supplied for a needed conversion.
    #[error("no exchange rate from {from} to {to}")]
    MissingRate {
        /// Source currency.
        from: Currency,
        /// Target currency.
        to: Currency,
    },
    /// An exchange rate could not be parsed or is not positive.
    #[error("invalid exchange rate `{value}` (expected a positive decimal such as \"1.0825\")")]
    InvalidRate {
        /// The rejected text.
        value: String,
    },
}

impl MoneyError {
    /// Stable machine-readable code of this error.
    ///
    /// ```
    /// use crm_core::money::Currency;
    /// assert_eq!(Currency::new("XYZ").unwrap_err().code(), "unknown_currency");
    /// ```
    pub fn code(&self) -> &'static str {
        match self {
            MoneyError::UnknownCurrency { .. } => "unknown_currency",
            MoneyError::CurrencyMismatch { .. } => "currency_mismatch",
            MoneyError::Overflow { .. } => "money_overflow",
            MoneyError::MissingRate { .. } => "missing_rate",
            MoneyError::InvalidRate { .. } => "invalid_rate",
        }
    }
}

/// Active ISO 4217 codes with their minor-unit exponent.
const CURRENCIES: &[(&str, u8)] = &[
    ("AED", 2),
    ("AFN", 2),
    ("ALL", 2),
    ("AMD", 2),
    ("ANG", 2),
    ("AOA", 2),
    ("ARS", 2),
    ("AUD", 2),
    ("AWG", 2),
    ("AZN", 2),
    ("BAM", 2),
    ("BBD", 2),
    ("BDT", 2),
    ("BGN", 2),
    ("BHD", 3),
    ("BIF", 0),
    ("BMD", 2),
    ("BND", 2),
    ("BOB", 2),
    ("BRL", 2),
    ("BSD", 2),
    ("BTN", 2),
    ("BWP", 2),
    ("BYN", 2),
    ("BZD", 2),
    ("CAD", 2),
    ("CDF", 2),
    ("CHF", 2),
    ("CLF", 4),
    ("CLP", 0),
    ("CNY", 2),
    ("COP", 2),
    ("CRC", 2),
    ("CUP", 2),
    ("CVE", 2),
    ("CZK", 2),
    ("DJF", 0),
    ("DKK", 2),
    ("DOP", 2),
    ("DZD", 2),
    ("EGP", 2),
    ("ERN", 2),
    ("ETB", 2),
    ("EUR", 2),
    ("FJD", 2),
    ("FKP", 2),
    ("GBP", 2),
    ("GEL", 2),
    ("GHS", 2),
    ("GIP", 2),
    ("GMD", 2),
    ("GNF", 0),
    ("GTQ", 2),
    ("GYD", 2),
    ("HKD", 2),
    ("HNL", 2),
    ("HTG", 2),
    ("HUF", 2),
    ("IDR", 2),
    ("ILS", 2),
    ("INR", 2),
    ("IQD", 3),
    ("IRR", 2),
    ("ISK", 0),
    ("JMD", 2),
    ("JOD", 3),
    ("JPY", 0),
    ("KES", 2),
    ("KGS", 2),
    ("KHR", 2),
    ("KMF", 0),
    ("KPW", 2),
    ("KRW", 0),
    ("KWD", 3),
    ("KYD", 2),
    ("KZT", 2),
    ("LAK", 2),
    ("LBP", 2),
    ("LKR", 2),
    ("LRD", 2),
    ("LSL", 2),
    ("LYD", 3),
    ("MAD", 2),
    ("MDL", 2),
    ("MGA", 2),
    ("MKD", 2),
    ("MMK", 2),
    ("MNT", 2),
    ("MOP", 2),
    ("MRU", 2),
    ("MUR", 2),
    ("MVR", 2),
    ("MWK", 2),
    ("MXN", 2),
    ("MYR", 2),
    ("MZN", 2),
    ("NAD", 2),
    ("NGN", 2),
    ("NIO", 2),
    ("NOK", 2),
    ("NPR", 2),
    ("NZD", 2),
    ("OMR", 3),
    ("PAB", 2),
    ("PEN", 2),
    ("PGK", 2),
    ("PHP", 2),
    ("PKR", 2),
    ("PLN", 2),
    ("PYG", 0),
    ("QAR", 2),
    ("RON", 2),
    ("RSD", 2),
    ("RUB", 2),
    ("RWF", 0),
    ("SAR", 2),
    ("SBD", 2),
    ("SCR", 2),
    ("SDG", 2),
    ("SEK", 2),
    ("SGD", 2),
    ("SHP", 2),
    ("SLE", 2),
    ("SOS", 2),
    ("SRD", 2),
    ("SSP", 2),
    ("STN", 2),
    ("SVC", 2),
    ("SYP", 2),
    ("SZL", 2),
    ("THB", 2),
    ("TJS", 2),
    ("TMT", 2),
    ("TND", 3),
    ("TOP", 2),
    ("TRY", 2),
    ("TTD", 2),
    ("TWD", 2),
    ("TZS", 2),
    ("UAH", 2),
    ("UGX", 0),
    ("USD", 2),
    ("UYI", 0),
    ("UYU", 2),
    ("UYW", 4),
    ("UZS", 2),
    ("VED", 2),
    ("VES", 2),
    ("VND", 0),
    ("VUV", 0),
    ("WST", 2),
    ("XAF", 0),
    ("XCD", 2),
    ("XOF", 0),
    ("XPF", 0),
    ("YER", 2),
    ("ZAR", 2),
    ("ZMW", 2),
    ("ZWG", 2),
];

/// An ISO 4217 currency (active codes only), stored inline as its three letters.
///
/// ```
/// use crm_core::money::Currency;
/// let kwd = Currency::new("KWD")?;
/// assert_eq!(kwd.code(), "KWD");
/// assert_eq!(kwd.minor_unit_exponent(), 3);
/// assert!(Currency::new("try").is_err()); // codes are upper case
/// # Ok::<(), crm_core::money::MoneyError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Currency {
    code: [u8; 3],
    exponent: u8,
}

impl Currency {
    /// Looks up an upper-case ISO 4217 code.
    ///
    /// # Errors
    /// [`MoneyError::UnknownCurrency`] when the code is not an active ISO 4217 code.
    pub fn new(code: &str) -> Result<Self, MoneyError> {
        CURRENCIES
            .binary_search_by(|(c, _)| c.cmp(&code))
            .map(|i| {
                let (c, e) = CURRENCIES[i];
                let b = c.as_bytes();
                Currency { code: [b[0], b[1], b[2]], exponent: e }
            })
            .map_err(|_| MoneyError::UnknownCurrency { value: code.to_string() })
    }

    /// The three-letter code.
    pub fn code(&self) -> &str {
        // The bytes come from the ASCII table above.
        std::str::from_utf8(&self.code).unwrap_or("???")
    }

    /// Number of decimal digits of the minor unit (JPY 0, TRY 2, KWD 3).
    pub fn minor_unit_exponent(&self) -> u8 {
        self.exponent
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Currency({})", self.code())
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Currency {
    type Err = MoneyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Currency::new(s)
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Currency::new(&s).map_err(serde::de::Error::custom)
    }
}

/// An amount of money: integer minor units of one currency.
///
/// ```
/// use crm_core::money::{Currency, Money};
/// let jpy = Currency::new("JPY")?;
/// let usd = Currency::new("USD")?;
/// assert_eq!(Money::new(500, jpy).to_string(), "500 JPY");
/// assert!(Money::new(1, jpy).checked_add(Money::new(1, usd)).is_err());
/// # Ok::<(), crm_core::money::MoneyError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
pub struct Money {
    /// Amount in minor units (cents, kuruş …).
    pub amount: i64,
    /// Currency of the amount.
    pub currency: Currency,
}

impl Money {
    /// A new amount in minor units.
    pub fn new(amount: i64, currency: Currency) -> Self {
        Money { amount, currency }
    }

    /// Zero in `currency`.
    pub fn zero(currency: Currency) -> Self {
        Money { amount: 0, currency }
    }

    fn same_currency(&self, other: &Money) -> Result<(), MoneyError> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(MoneyError::CurrencyMismatch { left: self.currency, right: other.currency })
        }
    }

    /// `self + other`.
    ///
    /// # Errors
    /// [`MoneyError::CurrencyMismatch`] or [`MoneyError::Overflow`].
    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(&other)?;
        self.amount
            .checked_add(other.amount)
            .map(|a| Money::new(a, self.currency))
            .ok_or(MoneyError::Overflow { operation: "add" })
    }

    /// `self - other`.
    ///
    /// # Errors
    /// [`MoneyError::CurrencyMismatch`] or [`MoneyError::Overflow`].
    pub fn checked_sub(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(&other)?;
        self.amount
            .checked_sub(other.amount)
            .map(|a| Money::new(a, self.currency))
            .ok_or(MoneyError::Overflow { operation: "subtract" })
    }

    /// `self × factor`.
    ///
    /// # Errors
    /// [`MoneyError::Overflow`].
    pub fn checked_mul(self, factor: i64) -> Result<Money, MoneyError> {
        self.amount
            .checked_mul(factor)
            .map(|a| Money::new(a, self.currency))
            .ok_or(MoneyError::Overflow { operation: "multiply" })
    }

    /// Sum of amounts that must all be in `currency`.
    ///
    /// ```
    /// use crm_core::money::{Currency, Money};
    /// let eur = Currency::new("EUR")?;
    /// let total = Money::checked_sum(eur, [Money::new(1_50, eur), Money::new(2_25, eur)])?;
    /// assert_eq!(total.amount, 3_75);
    /// # Ok::<(), crm_core::money::MoneyError>(())
    /// ```
    ///
    /// # Errors
    /// [`MoneyError::CurrencyMismatch`] or [`MoneyError::Overflow`].
    pub fn checked_sum<I: IntoIterator<Item = Money>>(currency: Currency, items: I) -> Result<Money, MoneyError> {
        items.into_iter().try_fold(Money::zero(currency), Money::checked_add)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let e = u32::from(self.currency.exponent);
        let sign = if self.amount < 0 { "-" } else { "" };
        let abs = self.amount.unsigned_abs();
        if e == 0 {
            write!(f, "{sign}{abs} {}", self.currency)
        } else {
            let p = 10u64.pow(e);
            write!(f, "{sign}{}.{:0w$} {}", abs / p, abs % p, self.currency, w = e as usize)
        }
    }
}

/// A positive exchange rate held as an exact decimal: `mantissa / 10^scale`
/// units of the target currency per unit of the source currency.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Rate {
    mantissa: u64,
    scale: u32,
}

impl Rate {
    /// Parses a positive decimal such as `"1.0825"` (at most 18 significant digits).
    ///
    /// ```
    /// use crm_core::money::Rate;
    /// assert!(Rate::parse("34.125").is_ok());
    /// assert!(Rate::parse("-1").is_err());
    /// ```
    ///
    /// # Errors
    /// [`MoneyError::InvalidRate`] when the text is not a positive decimal.
    pub fn parse(text: &str) -> Result<Rate, MoneyError> {
        let bad = || MoneyError::InvalidRate { value: text.to_string() };
        let (int, frac) = match text.split_once('.') {
            Some((i, f)) => (i, f),
            None => (text, ""),
        };
        if int.is_empty() && frac.is_empty()
            || !int.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
            || int.len() + frac.len() > 18
        {
            return Err(bad());
        }
        let digits = format!("{int}{frac}");
        let mantissa: u64 = digits.parse().map_err(|_| bad())?;
        if mantissa == 0 {
            return Err(bad());
        }
        Ok(Rate { mantissa, scale: frac.len() as u32 })
    }
}

/// Caller-supplied exchange rates into one target currency.
///
/// Conversion is exact rational arithmetic, rounded half to even in the target's
/// minor unit.
///
/// ```
/// use crm_core::money::{Currency, ExchangeRates, Money};
/// let try_ = Currency::new("TRY")?;
/// let usd = Currency::new("USD")?;
/// let mut rates = ExchangeRates::new(try_);
/// rates.insert(usd, "34.5")?;
/// assert_eq!(rates.convert(Money::new(10_00, usd))?, Money::new(345_00, try_));
/// # Ok::<(), crm_core::money::MoneyError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExchangeRates {
    target: Currency,
    rates: BTreeMap<Currency, Rate>,
}

impl ExchangeRates {
    /// Rates into `target` (initially only the identity).
    pub fn new(target: Currency) -> Self {
        ExchangeRates { target, rates: BTreeMap::new() }
    }

    /// The currency every conversion produces.
    pub fn target(&self) -> Currency {
        self.target
    }

    /// Sets the rate from `from` into the target currency.
    ///
    /// # Errors
    /// [`MoneyError::InvalidRate`] when `rate` is not a positive decimal.
    pub fn insert(&mut self, from: Currency, rate: &str) -> Result<(), MoneyError> {
        self.rates.insert(from, Rate::parse(rate)?);
        Ok(())
    }

    /// Converts `money` into the target currency.
    ///
    /// # Errors
    /// [`MoneyError::MissingRate`] or [`MoneyError::Overflow`].
    pub fn convert(&self, money: Money) -> Result<Money, MoneyError> {
        if money.currency == self.target {
            return Ok(money);
        }
        let rate =
            self.rates.get(&money.currency).ok_or(MoneyError::MissingRate { from: money.currency, to: self.target })?;
        let overflow = MoneyError::Overflow { operation: "convert" };
        // amount × mantissa × 10^(target_exp) / (10^scale × 10^(source_exp))
        let mut num = i128::from(money.amount).checked_mul(i128::from(rate.mantissa)).ok_or(overflow.clone())?;
        let mut den: i128 = 1;
        let up = u32::from(self.target.exponent);
        let down = rate.scale + u32::from(money.currency.exponent);
        num = num.checked_mul(10i128.pow(up)).ok_or(overflow.clone())?;
        den = den.checked_mul(10i128.checked_pow(down).ok_or(overflow.clone())?).ok_or(overflow.clone())?;
        let q = div_round_half_even(num, den);
        i64::try_from(q).map(|a| Money::new(a, self.target)).map_err(|_| overflow)
    }
}

/// `num / den` (den > 0) rounded half to even.
pub(crate) fn div_round_half_even(num: i128, den: i128) -> i128 {
    let q = num.div_euclid(den);
    let r = num.rem_euclid(den);
    match (2 * r).cmp(&den) {
        std::cmp::Ordering::Less => q,
        std::cmp::Ordering::Greater => q + 1,
        std::cmp::Ordering::Equal => {
            if q % 2 == 0 {
                q
            } else {
                q + 1
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(code: &str) -> Currency {
        Currency::new(code).unwrap()
    }

    #[test]
    fn table_is_sorted_and_unique() {
        assert!(CURRENCIES.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn exponents_follow_iso_4217() {
        assert_eq!(c("JPY").minor_unit_exponent(), 0);
        assert_eq!(c("TRY").minor_unit_exponent(), 2);
        assert_eq!(c("EUR").minor_unit_exponent(), 2);
        assert_eq!(c("KWD").minor_unit_exponent(), 3);
        assert_eq!(c("CLF").minor_unit_exponent(), 4);
    }

    #[test]
    fn unknown_currency_names_value() {
        let e = Currency::new("XYZ").unwrap_err();
        assert_eq!(e, MoneyError::UnknownCurrency { value: "XYZ".into() });
        assert!(e.to_string().contains("`XYZ`"));
    }

    #[test]
    fn display_uses_exponent() {
        assert_eq!(Money::new(-1_05, c("EUR")).to_string(), "-1.05 EUR");
        assert_eq!(Money::new(1_234, c("KWD")).to_string(), "1.234 KWD");
        assert_eq!(Money::new(7, c("JPY")).to_string(), "7 JPY");
    }

    #[test]
    fn overflow_is_an_error() {
        let m = Money::new(i64::MAX, c("USD"));
        assert_eq!(m.checked_add(Money::new(1, c("USD"))), Err(MoneyError::Overflow { operation: "add" }));
        assert!(m.checked_mul(2).is_err());
    }

    #[test]
    fn conversion_rounds_half_even_across_exponents() {
        let mut r = ExchangeRates::new(c("JPY"));
        r.insert(c("USD"), "150.5").unwrap();
        // 1.01 USD × 150.5 = 152.005 JPY -> 152
        assert_eq!(r.convert(Money::new(101, c("USD"))).unwrap().amount, 152);
        // 0.01 USD × 150.5 = 1.505 -> 2 ; 0.03 × 150.5 = 4.515 -> 5
        assert_eq!(r.convert(Money::new(1, c("USD"))).unwrap().amount, 2);
        let mut k = ExchangeRates::new(c("KWD"));
        k.insert(c("EUR"), "0.5").unwrap();
        // 0.05 EUR × 0.5 = 0.025 KWD = 25 fils
        assert_eq!(k.convert(Money::new(5, c("EUR"))).unwrap().amount, 25);
        assert!(k.convert(Money::new(5, c("USD"))).is_err());
    }

    #[test]
    fn half_even() {
        assert_eq!(div_round_half_even(5, 2), 2);
        assert_eq!(div_round_half_even(7, 2), 4);
        assert_eq!(div_round_half_even(-5, 2), -2);
        assert_eq!(div_round_half_even(-7, 2), -4);
    }

    #[test]
    fn rate_parsing() {
        assert!(Rate::parse("0").is_err());
        assert!(Rate::parse("1e3").is_err());
        assert!(Rate::parse("").is_err());
        assert_eq!(Rate::parse("1.25").unwrap(), Rate { mantissa: 125, scale: 2 });
    }
}
