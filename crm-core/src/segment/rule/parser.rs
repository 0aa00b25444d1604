//! Recursive-descent parser from tokens to [`Expr`]. The grammar is in
//! `docs/segments.md`.

use chrono::NaiveDate;

use super::ast::{Arg, CmpOp, Expr, Literal, Operand, Pos, TimeUnit};
use super::lexer::{tokenize, Tok};
use crate::money::Currency;
use crate::segment::SegmentError;
use crate::time::{parse_instant, to_micros};

const KEYWORDS: &[&str] =
    &["AND", "OR", "NOT", "BETWEEN", "IN", "CONTAINS", "IS", "NULL", "TRUE", "FALSE", "TODAY", "WITHIN"];

/// Deepest nesting of parentheses and `NOT`s accepted (keeps the stack bounded).
const MAX_DEPTH: usize = 64;

/// Parses rule text into a syntax tree.
///
/// # Errors
/// [`SegmentError::Syntax`] with the line and column of the first problem,
/// what was expected there and what was found.
pub fn parse(text: &str) -> Result<Expr, SegmentError> {
    let toks = tokenize(text)?;
    let mut p = Parser { toks, i: 0, depth: 0 };
    let e = p.or_expr()?;
    match p.peek() {
        Tok::End => Ok(e),
        t => Err(p.err("AND, OR or the end of the rule", t.describe())),
    }
}

/// Whether `word` is a keyword of the language (case-insensitive).
pub fn is_keyword(word: &str) -> bool {
    KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(word))
}

struct Parser {
    toks: Vec<(Tok, Pos)>,
    i: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> &Tok {
        &self.toks[self.i.min(self.toks.len() - 1)].0
    }

    fn peek_at(&self, k: usize) -> &Tok {
        &self.toks[(self.i + k).min(self.toks.len() - 1)].0
    }

    fn pos(&self) -> Pos {
        self.toks[self.i.min(self.toks.len() - 1)].1
    }

    fn bump(&mut self) -> (Tok, Pos) {
        let t = self.toks[self.i.min(self.toks.len() - 1)].clone();
        if self.i < self.toks.len() - 1 {
            self.i += 1;
        }
        t
    }

    fn err(&self, expected: &str, found: String) -> SegmentError {
        let at = self.pos();
        SegmentError::Syntax { line: at.line, column: at.column, expected: expected.into(), found }
    }

    fn is_kw(&self, k: usize, kw: &str) -> bool {
        matches!(self.peek_at(k), Tok::Ident(s) if s.eq_ignore_ascii_case(kw))
    }

    fn eat_kw(&mut self, kw: &str) -> bool {
        let yes = self.is_kw(0, kw);
        if yes {
            self.bump();
        }
        yes
    }

    fn expect_kw(&mut self, kw: &str) -> Result<(), SegmentError> {
        if self.eat_kw(kw) {
            Ok(())
        } else {
            Err(self.err(kw, self.peek().describe()))
        }
    }

    fn expect_punct(&mut self, p: &str) -> Result<(), SegmentError> {
        if self.peek()
            == &Tok::Punct(match p {
                "(" => "(",
                ")" => ")",
                ":" => ":",
                _ => ",",
            })
        {
            self.bump();
            Ok(())
        } else {
            Err(self.err(&format!("`{p}`"), self.peek().describe()))
        }
    }

    fn deeper(&mut self) -> Result<(), SegmentError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.err(&format!("at most {MAX_DEPTH} levels of nesting"), "deeper nesting".into()));
        }
        Ok(())
    }

    fn or_expr(&mut self) -> Result<Expr, SegmentError> {
        let mut parts = vec![self.and_expr()?];
        while self.eat_kw("OR") {
            parts.push(self.and_expr()?);
        }
        Ok(if parts.len() == 1 { parts.remove(0) } else { Expr::Or(parts) })
    }

    fn and_expr(&mut self) -> Result<Expr, SegmentError> {
        let mut parts = vec![self.not_expr()?];
        while self.eat_kw("AND") {
            parts.push(self.not_expr()?);
        }
        Ok(if parts.len() == 1 { parts.remove(0) } else { Expr::And(parts) })
    }

    fn not_expr(&mut self) -> Result<Expr, SegmentError> {
        if self.eat_kw("NOT") {
            self.deeper()?;
            let inner = self.not_expr()?;
            self.depth -= 1;
            return Ok(Expr::Not(Box::new(inner)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Expr, SegmentError> {
        if self.peek() == &Tok::Punct("(") {
            self.bump();
            self.deeper()?;
            let e = self.or_expr()?;
            self.depth -= 1;
            self.expect_punct(")")?;
            return Ok(e);
        }
        for (kw, v) in [("TRUE", true), ("FALSE", false)] {
            let ends =
                matches!(self.peek_at(1), Tok::End | Tok::Punct(")")) || self.is_kw(1, "AND") || self.is_kw(1, "OR");
            if self.is_kw(0, kw) && ends {
                self.bump();
                return Ok(Expr::Const(v));
            }
        }
        if self.is_kw(0, "birthday") && self.is_kw(1, "WITHIN") {
            let at = self.pos();
            self.bump();
            self.bump();
            return match self.bump() {
                (Tok::Duration(None, n, 'd'), _) => {
                    let days = n.parse::<i64>().ok().filter(|d| (0..=366).contains(d));
                    days.map(|days| Expr::BirthdayWithin { days, at })
                        .ok_or_else(|| self.err_at(at, "a number of days from 0 to 366", format!("{n}d")))
                }
                (t, p) => Err(self.err_at(p, "a number of days such as 3d", t.describe())),
            };
        }
        let operand = self.operand()?;
        self.predicate(operand)
    }

    fn err_at(&self, at: Pos, expected: &str, found: String) -> SegmentError {
        SegmentError::Syntax { line: at.line, column: at.column, expected: expected.into(), found }
    }

    fn predicate(&mut self, operand: Operand) -> Result<Expr, SegmentError> {
        if let Tok::Punct(p) = self.peek() {
            if let Some(op) = CmpOp::parse(p) {
                self.bump();
                let right = self.operand()?;
                return Ok(Expr::Compare { left: operand, op, right });
            }
        }
        let negated = self.is_kw(0, "NOT") && (self.is_kw(1, "BETWEEN") || self.is_kw(1, "IN"));
        if negated {
            self.bump();
        }
        if self.eat_kw("BETWEEN") {
            let low = self.operand()?;
            self.expect_kw("AND")?;
            let high = self.operand()?;
            return Ok(Expr::Between { operand, low, high, negated });
        }
        if self.eat_kw("IN") {
            self.expect_punct("(")?;
            let mut values = vec![self.operand()?];
            while self.peek() == &Tok::Punct(",") {
                self.bump();
                values.push(self.operand()?);
            }
            self.expect_punct(")")?;
            return Ok(Expr::In { operand, values, negated });
        }
        if self.eat_kw("CONTAINS") {
            let value = self.operand()?;
            return Ok(Expr::Contains { operand, value });
        }
        if self.eat_kw("IS") {
            let negated = self.eat_kw("NOT");
            self.expect_kw("NULL")?;
            return Ok(Expr::IsNull { operand, negated });
        }
        match self.peek() {
            Tok::End | Tok::Punct(")") => Ok(Expr::Truth(operand)),
            _ if self.is_kw(0, "AND") || self.is_kw(0, "OR") => Ok(Expr::Truth(operand)),
            t => {
                Err(self.err("a comparison (= != < <= > >=), BETWEEN, IN, CONTAINS, IS, AND, OR or `)`", t.describe()))
            }
        }
    }

    fn operand(&mut self) -> Result<Operand, SegmentError> {
        let at = self.pos();
        if let Tok::Ident(name) = self.peek().clone() {
            let upper = name.to_ascii_uppercase();
            if !matches!(upper.as_str(), "TRUE" | "FALSE" | "TODAY") {
                if is_keyword(&name) {
                    return Err(self.err("a field, function or value", format!("keyword {upper}")));
                }
                self.bump();
                if self.peek() == &Tok::Punct("(") {
                    self.bump();
                    let args = self.args()?;
                    return Ok(Operand::Call { name, args, at });
                }
                return Ok(Operand::Field { name, at });
            }
        }
        if matches!(self.peek(), Tok::End | Tok::Punct(_)) {
            return Err(self.err("a field, function or value", self.peek().describe()));
        }
        let value = self.literal()?;
        Ok(Operand::Literal { value, at })
    }

    fn args(&mut self) -> Result<Vec<Arg>, SegmentError> {
        let mut args = Vec::new();
        if self.peek() == &Tok::Punct(")") {
            self.bump();
            return Ok(args);
        }
        loop {
            let at = self.pos();
            let name = match (self.peek().clone(), self.peek_at(1)) {
                (Tok::Ident(n), Tok::Punct(":")) => {
                    self.bump();
                    self.bump();
                    Some(n)
                }
                _ => None,
            };
            let value = self.literal()?;
            args.push(Arg { name, value, at });
            match self.bump() {
                (Tok::Punct(","), _) => continue,
                (Tok::Punct(")"), _) => return Ok(args),
                (t, p) => return Err(self.err_at(p, "`,` or `)`", t.describe())),
            }
        }
    }

    fn literal(&mut self) -> Result<Literal, SegmentError> {
        let (tok, at) = self.bump();
        let bad = |what: &str, text: &str| SegmentError::Syntax {
            line: at.line,
            column: at.column,
            expected: what.into(),
            found: text.into(),
        };
        match tok {
            Tok::Number(text) => {
                if let Tok::Ident(code) = self.peek().clone() {
                    let currency_like = code.len() == 3 && code.chars().all(|c| c.is_ascii_uppercase());
                    if currency_like && !is_keyword(&code) {
                        self.bump();
                        let currency = Currency::new(&code)
                            .map_err(|_| bad("an ISO 4217 currency code after the amount", &format!("`{code}`")))?;
                        let minor = money_minor(&text, currency).ok_or_else(|| {
                            bad(
                                &format!(
                                    "an amount with at most {} decimals that fits in 64 bits",
                                    currency.minor_unit_exponent()
                                ),
                                &format!("{text} {code}"),
                            )
                        })?;
                        return Ok(Literal::Money { minor, currency });
                    }
                }
                let v: f64 = text.parse().map_err(|_| bad("a number", &text))?;
                if !v.is_finite() {
                    return Err(bad("a finite number", &text));
                }
                Ok(Literal::Number(v))
            }
            Tok::Duration(sign, n, u) => {
                let amount: i64 = n
                    .parse()
                    .ok()
                    .filter(|a| *a <= 1_000_000)
                    .ok_or_else(|| bad("a duration up to 1000000 units", &n))?;
                let unit = TimeUnit::from_letter(u).ok_or_else(|| bad("a unit h, d, w, m or y", &u.to_string()))?;
                Ok(Literal::Relative { amount: if sign == Some('-') { -amount } else { amount }, unit })
            }
            Tok::DateTime(text) => {
                if text.len() == 10 {
                    NaiveDate::parse_from_str(&text, "%Y-%m-%d")
                        .map(Literal::Date)
                        .map_err(|_| bad("a date YYYY-MM-DD", &text))
                } else {
                    parse_instant(&text)
                        .map(|t| Literal::Instant(to_micros(t)))
                        .map_err(|_| bad("an RFC 3339 instant with a zone, such as 2024-01-31T10:00:00Z", &text))
                }
            }
            Tok::Str(s) => Ok(Literal::Str(s)),
            Tok::Ident(w) if w.eq_ignore_ascii_case("TRUE") => Ok(Literal::Bool(true)),
            Tok::Ident(w) if w.eq_ignore_ascii_case("FALSE") => Ok(Literal::Bool(false)),
            Tok::Ident(w) if w.eq_ignore_ascii_case("TODAY") => Ok(Literal::Today),
            t => Err(bad("a value (number, money, date, duration, string, TRUE, FALSE or TODAY)", &t.describe())),
        }
    }
}

/// `"1000.5"` in a currency with exponent 2 → 100050; `None` when it has more
/// decimals than the currency or does not fit.
pub(crate) fn money_minor(text: &str, currency: Currency) -> Option<i64> {
    let (neg, body) = match text.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    let exp = usize::from(currency.minor_unit_exponent());
    if frac.len() > exp || int.is_empty() {
        return None;
    }
    let mut v: i64 = int.parse().ok()?;
    for _ in 0..exp {
        v = v.checked_mul(10)?;
    }
    let mut f: i64 = if frac.is_empty() { 0 } else { frac.parse().ok()? };
    for _ in frac.len()..exp {
        f *= 10;
    }
    let v = v.checked_add(f)?;
    Some(if neg { -v } else { v })
}
