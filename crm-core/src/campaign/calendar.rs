//! Local clock times, daily windows and weekdays in a recipient's time zone,
//! with the daylight-saving rules the planner follows.
//!
//! - A local time that does not exist (the spring-forward gap, 02:30 in New
//!   York on 8 March 2026) is read with the offset in force before the gap,
//!   so it lands as far after the gap as it was into it (03:30 EDT).
//! - A local time that happens twice (01:30 in New York on 1 November 2026)
//!   is its first occurrence (01:30 EDT).

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, LocalResult, NaiveDate, NaiveTime, Offset, TimeDelta, TimeZone as _, Timelike, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::time::Instant;

/// A wall-clock time `HH:MM` (00:00 to 23:59; `24:00` only as a window's end).
///
/// ```
/// use crm_core::campaign::LocalTime;
/// let t: LocalTime = "09:30".parse()?;
/// assert_eq!((t.minute_of_day(), t.to_string().as_str()), (570, "09:30"));
/// assert!("9:30".parse::<LocalTime>().is_err());
/// # Ok::<(), String>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LocalTime(u16);

/// A clock time known to be valid (`h` < 24, `m` < 60), for presets.
pub(crate) const fn clock(h: u16, m: u16) -> LocalTime {
    LocalTime(h * 60 + m)
}

impl LocalTime {
    /// A time from hours and minutes; `None` unless 00:00 ≤ time ≤ 24:00.
    pub fn new(hour: u16, minute: u16) -> Option<LocalTime> {
        (minute < 60 && (hour < 24 || (hour == 24 && minute == 0))).then_some(LocalTime(hour * 60 + minute))
    }
    /// Minutes since midnight (0 to 1440).
    pub fn minute_of_day(self) -> u32 {
        u32::from(self.0)
    }
    fn naive(self) -> NaiveTime {
        NaiveTime::from_hms_opt(u32::from(self.0 / 60) % 24, u32::from(self.0 % 60), 0).unwrap_or_default()
    }
}

impl FromStr for LocalTime {
    type Err = String;
    fn from_str(s: &str) -> Result<LocalTime, String> {
        let bad = || format!("invalid local time `{s}` (expected HH:MM, 00:00 to 23:59)");
        let b = s.as_bytes();
        if b.len() != 5 || b[2] != b':' || !b.iter().enumerate().all(|(i, c)| i == 2 || c.is_ascii_digit()) {
            return Err(bad());
        }
        let h = u16::from(b[0] - b'0') * 10 + u16::from(b[1] - b'0');
        let m = u16::from(b[3] - b'0') * 10 + u16::from(b[4] - b'0');
        LocalTime::new(h, m).ok_or_else(bad)
    }
}

impl fmt::Display for LocalTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.0 / 60, self.0 % 60)
    }
}

impl Serialize for LocalTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for LocalTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<LocalTime, D::Error> {
        let s = String::deserialize(d)?;
        match s.parse::<LocalTime>() {
            Ok(t) if t.0 < 1440 => Ok(t),
            Ok(_) => Err(serde::de::Error::custom("24:00 is only allowed as the end of a window")),
            Err(e) => Err(serde::de::Error::custom(e)),
        }
    }
}

/// A daily window of local time `[start, end)`, written `"08:00-21:00"`; a
/// window whose end is before its start wraps past midnight (`"22:00-02:00"`).
///
/// ```
/// use crm_core::campaign::DailyWindow;
/// let w: DailyWindow = "08:00-21:00".parse()?;
/// assert!(w.contains(8 * 60) && w.contains(20 * 60 + 59) && !w.contains(21 * 60));
/// assert!("22:00-02:00".parse::<DailyWindow>()?.contains(60));
/// # Ok::<(), String>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DailyWindow {
    /// First allowed minute.
    pub start: LocalTime,
    /// First minute no longer allowed (`24:00` for midnight).
    pub end: LocalTime,
}

impl DailyWindow {
    /// Whether a minute of the day (0–1439) is inside.
    pub fn contains(&self, minute: u32) -> bool {
        let (s, e) = (self.start.minute_of_day(), self.end.minute_of_day());
        if s < e {
            s <= minute && minute < e
        } else {
            minute >= s || minute < e
        }
    }
}

impl FromStr for DailyWindow {
    type Err = String;
    fn from_str(s: &str) -> Result<DailyWindow, String> {
        let (a, b) = s.split_once('-').ok_or_else(|| format!("invalid window `{s}` (expected HH:MM-HH:MM)"))?;
        let start: LocalTime = a.trim().parse()?;
        let end: LocalTime = b.trim().parse()?;
        if start.0 >= 1440 {
            return Err(format!("invalid window `{s}`: it cannot start at 24:00"));
        }
        if start.0 == end.0 % 1440 {
            return Err(format!("invalid window `{s}`: start and end are equal (an empty or a whole day?)"));
        }
        Ok(DailyWindow { start, end })
    }
}

impl fmt::Display for DailyWindow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.start, self.end)
    }
}

impl Serialize for DailyWindow {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for DailyWindow {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<DailyWindow, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// The local date of an instant in a zone.
pub fn local_date(t: Instant, zone: Tz) -> NaiveDate {
    t.with_timezone(&zone).date_naive()
}

/// The instant a local date and time names in a zone, by the rules of this
/// module: a time in a spring-forward gap is read with the offset before the
/// gap; a time that happens twice is its first occurrence.
///
/// ```
/// use crm_core::campaign::{local_instant, LocalTime};
/// use crm_core::time::format_instant;
/// use chrono::NaiveDate;
/// let ny = chrono_tz::America::New_York;
/// let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
/// let t = |s: &str| s.parse::<LocalTime>().unwrap();
/// // 02:30 does not exist on 8 March: read at EST (UTC−5), it is 07:30 UTC = 03:30 EDT.
/// assert_eq!(format_instant(local_instant(d(3, 8), t("02:30"), ny)), "2026-03-08T07:30:00Z");
/// // 01:30 happens twice on 1 November: the first, in EDT (UTC−4).
/// assert_eq!(format_instant(local_instant(d(11, 1), t("01:30"), ny)), "2026-11-01T05:30:00Z");
/// ```
pub fn local_instant(date: NaiveDate, time: LocalTime, zone: Tz) -> Instant {
    let naive = date.and_time(time.naive()) + TimeDelta::days(i64::from(time.0 / 1440));
    match zone.from_local_datetime(&naive) {
        LocalResult::Single(t) => t.to_utc(),
        LocalResult::Ambiguous(a, b) => a.to_utc().min(b.to_utc()),
        LocalResult::None => {
            // In a gap: use the offset in force just before it (no gap is longer than a day).
            let before =
                (1..=48).map(|k| naive - TimeDelta::minutes(30 * k)).find_map(|n| match zone.from_local_datetime(&n) {
                    LocalResult::Single(t) => Some(t),
                    LocalResult::Ambiguous(_, b) => Some(b),
                    LocalResult::None => None,
                });
            match before {
                Some(t) => {
                    let offset = t.offset().fix();
                    (naive - TimeDelta::seconds(i64::from(offset.local_minus_utc()))).and_utc()
                }
                None => naive.and_utc(),
            }
        }
    }
}

/// Days of the week, as a set; written in JSON as `["mon", "tue", …]`.
///
/// ```
/// use crm_core::campaign::Weekdays;
/// use chrono::Weekday;
/// let w: Weekdays = serde_json::from_str(r#"["mon", "fri"]"#)?;
/// assert!(w.contains(Weekday::Fri) && !w.contains(Weekday::Sat));
/// assert_eq!(serde_json::to_string(&w)?, r#"["mon","fri"]"#);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Weekdays(u8);

const DAY_NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

impl Weekdays {
    /// Every day.
    pub const ALL: Weekdays = Weekdays(0x7f);
    /// Whether a day is in the set.
    pub fn contains(self, d: Weekday) -> bool {
        self.0 & (1 << d.num_days_from_monday()) != 0
    }
    /// The set of the given days.
    pub fn of(days: impl IntoIterator<Item = Weekday>) -> Weekdays {
        Weekdays(days.into_iter().fold(0, |acc, d| acc | (1 << d.num_days_from_monday())))
    }
    /// Whether the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

impl Default for Weekdays {
    fn default() -> Self {
        Weekdays::ALL
    }
}

impl Serialize for Weekdays {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let names: Vec<&str> = (0..7).filter(|i| self.0 & (1 << i) != 0).map(|i| DAY_NAMES[i]).collect();
        names.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Weekdays {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Weekdays, D::Error> {
        let names = Vec::<String>::deserialize(d)?;
        let mut bits = 0u8;
        for n in &names {
            let i = DAY_NAMES.iter().position(|x| x.eq_ignore_ascii_case(n)).ok_or_else(|| {
                serde::de::Error::custom(format!(
                    "unknown weekday `{n}` (expected mon, tue, wed, thu, fri, sat or sun)"
                ))
            })?;
            bits |= 1 << i;
        }
        if bits == 0 {
            return Err(serde::de::Error::custom("a weekday list needs at least one day"));
        }
        Ok(Weekdays(bits))
    }
}

/// Whether an instant is, in the zone, inside the window on an allowed day.
/// For a window that wraps midnight, the day is the day the window opened.
pub fn is_allowed(t: Instant, zone: Tz, window: DailyWindow, days: Weekdays) -> bool {
    let local = t.with_timezone(&zone);
    let minute = local.hour() * 60 + local.minute();
    if !window.contains(minute) {
        return false;
    }
    let wraps = window.start >= window.end && window.end.0 != 1440;
    let opened = if wraps && minute < window.end.minute_of_day() {
        local.date_naive().pred_opt()
    } else {
        Some(local.date_naive())
    };
    opened.is_some_and(|d| days.contains(d.weekday()))
}

/// The earliest instant at or after `t` inside the window on an allowed day:
/// `t` itself when it is inside, else the next opening of the window (a
/// local time resolved by [`local_instant`]). `None` only when `days` is empty.
///
/// ```
/// use crm_core::campaign::{next_allowed, DailyWindow, Weekdays};
/// use crm_core::time::{format_instant, parse_instant};
/// let ist = chrono_tz::Europe::Istanbul; // UTC+3 all year
/// let w: DailyWindow = "08:00-21:00".parse()?;
/// let t = parse_instant("2026-06-01T19:30:00Z")?; // 22:30 local
/// assert_eq!(format_instant(next_allowed(t, ist, w, Weekdays::ALL).unwrap()), "2026-06-02T05:00:00Z");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn next_allowed(t: Instant, zone: Tz, window: DailyWindow, days: Weekdays) -> Option<Instant> {
    if days.is_empty() {
        return None;
    }
    if is_allowed(t, zone, window, days) {
        return Some(t);
    }
    let date = local_date(t, zone);
    // The opening on the day before (a wrapping window), today, and the next 8 days.
    (-1..=8)
        .filter_map(|k| date.checked_add_signed(TimeDelta::days(k)))
        .filter(|d| days.contains(d.weekday()))
        .map(|d| local_instant(d, window.start, zone))
        .find(|&open| open > t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::{format_instant, parse_instant};

    fn at(s: &str) -> Instant {
        parse_instant(s).unwrap()
    }

    #[test]
    fn new_york_spring_forward_window_opens_at_0800_edt() {
        let ny = chrono_tz::America::New_York;
        let w: DailyWindow = "08:00-21:00".parse().unwrap();
        // 01:30 EST on 8 March 2026 (06:30 UTC) is quiet; 08:00 EDT is 12:00 UTC.
        let t = next_allowed(at("2026-03-08T06:30:00Z"), ny, w, Weekdays::ALL).unwrap();
        assert_eq!(format_instant(t), "2026-03-08T12:00:00Z");
    }

    #[test]
    fn window_in_a_gap_opens_after_it() {
        let ny = chrono_tz::America::New_York;
        let w: DailyWindow = "02:30-05:00".parse().unwrap();
        let t = next_allowed(at("2026-03-08T05:00:00Z"), ny, w, Weekdays::ALL).unwrap(); // 00:00 EST
        assert_eq!(format_instant(t), "2026-03-08T07:30:00Z"); // 03:30 EDT
    }

    #[test]
    fn weekdays_and_wrapping() {
        let utc = chrono_tz::UTC;
        let w: DailyWindow = "22:00-02:00".parse().unwrap();
        let fri = Weekdays::of([Weekday::Fri]);
        // Saturday 01:00 belongs to Friday's window.
        assert!(is_allowed(at("2026-11-28T01:00:00Z"), utc, w, fri));
        assert!(!is_allowed(at("2026-11-28T23:00:00Z"), utc, w, fri));
        // From Saturday 03:00 the next Friday opening is 4 December 22:00.
        let t = next_allowed(at("2026-11-28T03:00:00Z"), utc, w, fri).unwrap();
        assert_eq!(format_instant(t), "2026-12-04T22:00:00Z");
        assert_eq!(next_allowed(at("2026-11-28T03:00:00Z"), utc, w, Weekdays(0)), None);
    }

    #[test]
    fn window_to_midnight() {
        let w: DailyWindow = "18:00-24:00".parse().unwrap();
        assert!(w.contains(23 * 60 + 59) && !w.contains(0) && !w.contains(17 * 60));
        assert!("24:00-05:00".parse::<DailyWindow>().is_err());
        assert!("08:00-08:00".parse::<DailyWindow>().is_err());
    }
}
