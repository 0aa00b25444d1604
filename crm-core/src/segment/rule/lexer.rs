//! Splits rule text into tokens with their positions.

use super::ast::Pos;
use crate::segment::SegmentError;

/// A token of the rule text.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Tok {
    /// A name or keyword (`order_count`, `attr.tier`, `AND`).
    Ident(String),
    /// A number as written, sign included (`-2.5`).
    Number(String),
    /// A signed or unsigned duration (`-30d`, `3d`): sign, amount, unit letter.
    Duration(Option<char>, String, char),
    /// `YYYY-MM-DD`, or an RFC 3339 instant when a time follows.
    DateTime(String),
    /// A quoted string, escapes resolved.
    Str(String),
    /// An operator or punctuation: `( ) , : = != <> < <= > >=`.
    Punct(&'static str),
    /// End of the text.
    End,
}

impl Tok {
    /// How the token reads in an error message.
    pub(crate) fn describe(&self) -> String {
        match self {
            Tok::Ident(s) => format!("`{s}`"),
            Tok::Number(s) => format!("number {s}"),
            Tok::Duration(sign, n, u) => format!("duration {}{n}{u}", sign.map(String::from).unwrap_or_default()),
            Tok::DateTime(s) => format!("date {s}"),
            Tok::Str(s) => format!("string '{s}'"),
            Tok::Punct(p) => format!("`{p}`"),
            Tok::End => "end of rule".into(),
        }
    }
}

fn syntax(at: Pos, expected: &str, found: String) -> SegmentError {
    SegmentError::Syntax { line: at.line, column: at.column, expected: expected.into(), found }
}

/// Tokens of `text`, each with its start, ending with [`Tok::End`].
pub(crate) fn tokenize(text: &str) -> Result<Vec<(Tok, Pos)>, SegmentError> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let (mut i, mut line, mut col) = (0usize, 1u32, 1u32);
    let is_ident = |c: char| c.is_alphanumeric() || c == '_' || c == '.';
    while i < chars.len() {
        let c = chars[i];
        let at = Pos { line, column: col };
        let start = i;
        if c == '\n' {
            i += 1;
            line += 1;
            col = 1;
            continue;
        }
        if c.is_whitespace() {
            i += 1;
            col += 1;
            continue;
        }
        let tok = if c.is_alphabetic() || c == '_' {
            while i < chars.len() && is_ident(chars[i]) {
                i += 1;
            }
            Tok::Ident(chars[start..i].iter().collect())
        } else if c.is_ascii_digit() || ((c == '-' || c == '+') && chars.get(i + 1).is_some_and(char::is_ascii_digit)) {
            let sign = (c == '-' || c == '+').then_some(c);
            if sign.is_some() {
                i += 1;
            }
            let digits_start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            let date_like = sign.is_none()
                && i - digits_start == 4
                && chars.get(i) == Some(&'-')
                && chars.get(i + 1).is_some_and(char::is_ascii_digit);
            if date_like {
                while i < chars.len() && (chars[i].is_ascii_alphanumeric() || matches!(chars[i], '-' | ':' | '.' | '+'))
                {
                    i += 1;
                }
                Tok::DateTime(chars[start..i].iter().collect())
            } else {
                if chars.get(i) == Some(&'.') && chars.get(i + 1).is_some_and(char::is_ascii_digit) {
                    i += 1;
                    while i < chars.len() && chars[i].is_ascii_digit() {
                        i += 1;
                    }
                }
                let digits: String = chars[digits_start..i].iter().collect();
                let unit = chars.get(i).copied().filter(|u| "hdwmy".contains(*u));
                let unit_alone = !chars.get(i + 1).is_some_and(|&n| is_ident(n));
                match unit {
                    Some(u) if unit_alone && !digits.contains('.') => {
                        i += 1;
                        Tok::Duration(sign, digits, u)
                    }
                    _ => {
                        if chars.get(i).is_some_and(|&n| n.is_alphabetic() || n == '_') {
                            let mut j = i;
                            while j < chars.len() && is_ident(chars[j]) {
                                j += 1;
                            }
                            let word: String = chars[start..j].iter().collect();
                            return Err(syntax(
                                at,
                                "a number, a duration such as 30d, or a money amount such as 1000 TRY (with a space)",
                                format!("`{word}`"),
                            ));
                        }
                        Tok::Number(chars[start..i].iter().collect())
                    }
                }
            }
        } else if c == '\'' || c == '"' {
            i += 1;
            let mut s = String::new();
            loop {
                match chars.get(i) {
                    None => return Err(syntax(at, &format!("a closing {c}"), "end of rule".into())),
                    Some(&q) if q == c => {
                        i += 1;
                        break;
                    }
                    Some('\\') => {
                        let esc = chars.get(i + 1).copied();
                        s.push(match esc {
                            Some('n') => '\n',
                            Some('t') => '\t',
                            Some(e @ ('\\' | '\'' | '"')) => e,
                            other => {
                                let p = Pos { line, column: col + (i - start) as u32 };
                                return Err(syntax(
                                    p,
                                    "an escape \\' \\\" \\\\ \\n or \\t",
                                    other.map_or("end of rule".into(), |e| format!("\\{e}")),
                                ));
                            }
                        });
                        i += 2;
                    }
                    Some('\n') => {
                        return Err(syntax(at, &format!("a closing {c} on the same line"), "a line break".into()))
                    }
                    Some(&ch) => {
                        s.push(ch);
                        i += 1;
                    }
                }
            }
            Tok::Str(s)
        } else {
            let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
            let p = match two.as_str() {
                "!=" => Some("!="),
                "<>" => Some("<>"),
                "<=" => Some("<="),
                ">=" => Some(">="),
                "==" => Some("=="),
                _ => None,
            };
            if let Some(p) = p {
                i += 2;
                Tok::Punct(p)
            } else {
                let p = match c {
                    '(' => "(",
                    ')' => ")",
                    ',' => ",",
                    ':' => ":",
                    '=' => "=",
                    '<' => "<",
                    '>' => ">",
                    _ => return Err(syntax(at, "a field, value, operator or parenthesis", format!("`{c}`"))),
                };
                i += 1;
                Tok::Punct(p)
            }
        };
        col += (i - start) as u32;
        out.push((tok, at));
    }
    out.push((Tok::End, Pos { line, column: col }));
    Ok(out)
}
