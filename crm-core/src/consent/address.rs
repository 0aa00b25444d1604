//! Comparing contact addresses: e-mail addresses case-insensitively, phone
//! numbers on their digits (Turkish numbers on the national ten digits).

/// A phone number in E.164 form (`+905551112233`), or `None` when the text is
/// not a phone number or its country cannot be told.
///
/// Spaces, dashes, dots, slashes and parentheses are ignored; anything else
/// but digits and one leading `+` makes the text invalid. Turkish numbers are
/// recognised as `+90` or `0090` followed by ten digits, `90` followed by ten
/// digits (twelve digits in all), `0` followed by ten digits, or ten digits
/// not starting with `0`; they become `+90` and the ten national digits.
/// Other numbers need an international prefix (`+` or `00`) and 7 to 15 digits.
///
/// ```
/// use crm_core::consent::normalize_phone;
/// for text in ["+90 555 111 22 33", "0555 111 22 33", "905551112233", "5551112233", "0090 (555) 111-2233"] {
///     assert_eq!(normalize_phone(text).as_deref(), Some("+905551112233"));
/// }
/// assert_eq!(normalize_phone("+49 30 1234567").as_deref(), Some("+49301234567"));
/// assert_eq!(normalize_phone("+90 555 111 22"), None); // too short for Turkey
/// assert_eq!(normalize_phone("030 1234567"), None); // country unknown
/// assert_eq!(normalize_phone("call me"), None);
/// ```
pub fn normalize_phone(text: &str) -> Option<String> {
    let text = text.trim();
    let (plus, rest) = match text.strip_prefix('+') {
        Some(r) => (true, r),
        None => (false, text),
    };
    let mut digits = String::with_capacity(rest.len());
    for ch in rest.chars() {
        match ch {
            '0'..='9' => digits.push(ch),
            ' ' | '-' | '.' | '/' | '(' | ')' => {}
            _ => return None,
        }
    }
    let international = if plus { Some(digits.as_str()) } else { digits.strip_prefix("00") };
    if let Some(intl) = international {
        return match intl.strip_prefix("90") {
            Some(national) if national.len() == 10 && !national.starts_with('0') => Some(format!("+90{national}")),
            Some(_) => None,
            None if (7..=15).contains(&intl.len()) && !intl.starts_with('0') => Some(format!("+{intl}")),
            None => None,
        };
    }
    let national = match digits.len() {
        12 => digits.strip_prefix("90")?,
        11 => digits.strip_prefix('0')?,
        10 if !digits.starts_with('0') => digits.as_str(),
        _ => return None,
    };
    if national.starts_with('0') {
        return None;
    }
    Some(format!("+90{national}"))
}

/// An e-mail address trimmed and in lower case, or `None` when it is not one:
/// exactly one `@`, something before it, a domain with a dot inside, no spaces.
///
/// ```
/// use crm_core::consent::normalize_email;
/// assert_eq!(normalize_email(" Ayse@Example.COM ").as_deref(), Some("ayse@example.com"));
/// assert_eq!(normalize_email("ayse@localhost"), None);
/// assert_eq!(normalize_email("a b@example.com"), None);
/// ```
pub fn normalize_email(text: &str) -> Option<String> {
    let text = text.trim();
    let (local, domain) = text.split_once('@')?;
    let ok = !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !text.chars().any(char::is_whitespace);
    ok.then(|| text.to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn turkish_forms_compare_on_national_digits() {
        let same = ["+905321234567", "905321234567", "05321234567", "5321234567", "+90 (532) 123 45 67"];
        for s in same {
            assert_eq!(normalize_phone(s).as_deref(), Some("+905321234567"), "{s}");
        }
    }

    #[test]
    fn rejects_what_is_not_a_number() {
        for s in [
            "",
            "+",
            "+90",
            "0532123456",
            "053212345678",
            "+0532",
            "12345",
            "+90532123456x",
            "5+321234567",
            "+900532123456",
        ] {
            assert_eq!(normalize_phone(s), None, "{s}");
        }
    }

    #[test]
    fn e_mail_rules() {
        assert_eq!(normalize_email("x@y.co").as_deref(), Some("x@y.co"));
        for s in ["", "@y.co", "x@", "x@y", "x@@y.co", "x@.co", "x@y.", "x @y.co"] {
            assert_eq!(normalize_email(s), None, "{s}");
        }
    }
}
