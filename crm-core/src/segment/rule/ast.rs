//! The rule syntax tree: what the text form parses to and the JSON form encodes.

use std::fmt;

use chrono::NaiveDate;

use crate::money::Currency;

/// A position in the rule text, 1-based. Positions are not part of equality:
/// two trees that differ only in where their parts were written are equal.
#[derive(Clone, Copy, Debug, Default, Eq)]
pub struct Pos {
    /// Line, from 1.
    pub line: u32,
    /// Column in characters, from 1.
    pub column: u32,
}

impl PartialEq for Pos {
    fn eq(&self, _: &Pos) -> bool {
        true
    }
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// Comparison operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CmpOp {
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl CmpOp {
    /// The operator as written.
    pub fn as_str(self) -> &'static str {
        match self {
            CmpOp::Eq => "=",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }

    /// Parses an operator as written (`<>` is accepted for `!=`).
    pub fn parse(s: &str) -> Option<CmpOp> {
        Some(match s {
            "=" | "==" => CmpOp::Eq,
            "!=" | "<>" => CmpOp::Ne,
            "<" => CmpOp::Lt,
            "<=" => CmpOp::Le,
            ">" => CmpOp::Gt,
            ">=" => CmpOp::Ge,
            _ => return None,
        })
    }

    /// The operator with its operands swapped (`a < b` ⇔ `b > a`).
    pub fn flipped(self) -> CmpOp {
        match self {
            CmpOp::Lt => CmpOp::Gt,
            CmpOp::Le => CmpOp::Ge,
            CmpOp::Gt => CmpOp::Lt,
            CmpOp::Ge => CmpOp::Le,
            o => o,
        }
    }

    /// Applies the operator to an ordering of left against right.
    pub fn holds(self, o: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering::*;
        match self {
            CmpOp::Eq => o == Equal,
            CmpOp::Ne => o != Equal,
            CmpOp::Lt => o == Less,
            CmpOp::Le => o != Greater,
            CmpOp::Gt => o == Greater,
            CmpOp::Ge => o != Less,
        }
    }
}

/// Units of a duration literal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TimeUnit {
    /// `h`: 60 minutes.
    Hours,
    /// `d`: 24 hours.
    Days,
    /// `w`: 7 days.
    Weeks,
    /// `m`: calendar months.
    Months,
    /// `y`: calendar years.
    Years,
}

impl TimeUnit {
    /// The unit's letter.
    pub fn letter(self) -> char {
        match self {
            TimeUnit::Hours => 'h',
            TimeUnit::Days => 'd',
            TimeUnit::Weeks => 'w',
            TimeUnit::Months => 'm',
            TimeUnit::Years => 'y',
        }
    }

    /// The unit of a letter.
    pub fn from_letter(c: char) -> Option<TimeUnit> {
        Some(match c {
            'h' => TimeUnit::Hours,
            'd' => TimeUnit::Days,
            'w' => TimeUnit::Weeks,
            'm' => TimeUnit::Months,
            'y' => TimeUnit::Years,
            _ => return None,
        })
    }
}

/// A constant written in a rule.
#[derive(Clone, Debug, PartialEq)]
pub enum Literal {
    /// A number (`2`, `0.6`, `-5`).
    Number(f64),
    /// Money: an amount in minor units and its currency (`1000 TRY` is 100000 kuruş).
    Money {
        /// Amount in minor units.
        minor: i64,
        /// Currency.
        currency: Currency,
    },
    /// A calendar date (`2024-01-31`).
    Date(NaiveDate),
    /// An instant, µs since the epoch (`2024-01-31T10:00:00Z`).
    Instant(i64),
    /// An instant relative to the evaluation instant (`-30d`, `+2w`).
    Relative {
        /// Signed amount of units.
        amount: i64,
        /// Unit.
        unit: TimeUnit,
    },
    /// The start of the evaluation day (`today`).
    Today,
    /// A string (`'shoes'`).
    Str(String),
    /// `true` or `false`.
    Bool(bool),
}

/// A named or positional function argument.
#[derive(Clone, Debug, PartialEq)]
pub struct Arg {
    /// The name before `:`, if written.
    pub name: Option<String>,
    /// The value.
    pub value: Literal,
    /// Where the argument starts.
    pub at: Pos,
}

/// Something compared: a field, a function call or a literal.
#[derive(Clone, Debug, PartialEq)]
pub enum Operand {
    /// A field such as `order_count` or `attr.loyalty_tier`.
    Field {
        /// Field name.
        name: String,
        /// Where it was written.
        at: Pos,
    },
    /// A function call such as `products_purchased(category: 'shoes')`.
    Call {
        /// Function name.
        name: String,
        /// Arguments in the order written.
        args: Vec<Arg>,
        /// Where it was written.
        at: Pos,
    },
    /// A constant.
    Literal {
        /// The value.
        value: Literal,
        /// Where it was written.
        at: Pos,
    },
}

impl Operand {
    /// Where the operand was written.
    pub fn at(&self) -> Pos {
        match self {
            Operand::Field { at, .. } | Operand::Call { at, .. } | Operand::Literal { at, .. } => *at,
        }
    }
}

/// A rule: a boolean expression over one customer's fields.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    /// All parts hold (two or more).
    And(Vec<Expr>),
    /// At least one part holds (two or more).
    Or(Vec<Expr>),
    /// The part does not hold.
    Not(Box<Expr>),
    /// `left op right`.
    Compare {
        /// Left operand.
        left: Operand,
        /// Operator.
        op: CmpOp,
        /// Right operand.
        right: Operand,
    },
    /// `operand [NOT] BETWEEN low AND high` (inclusive).
    Between {
        /// Tested operand.
        operand: Operand,
        /// Lower bound.
        low: Operand,
        /// Upper bound.
        high: Operand,
        /// `NOT BETWEEN`.
        negated: bool,
    },
    /// `operand [NOT] IN (v1, v2, …)`.
    In {
        /// Tested operand.
        operand: Operand,
        /// The list.
        values: Vec<Operand>,
        /// `NOT IN`.
        negated: bool,
    },
    /// `operand CONTAINS value`: a list has the element, or a text has the substring.
    Contains {
        /// Tested operand.
        operand: Operand,
        /// The element or substring.
        value: Operand,
    },
    /// `operand IS [NOT] NULL`.
    IsNull {
        /// Tested operand.
        operand: Operand,
        /// `IS NOT NULL`.
        negated: bool,
    },
    /// A yes/no operand on its own (`consent.sms`, `in_segment('VIP')`).
    Truth(Operand),
    /// `birthday WITHIN 3d`: the next birthday is 0 to N days away.
    BirthdayWithin {
        /// Days.
        days: i64,
        /// Where it was written.
        at: Pos,
    },
    /// `TRUE` or `FALSE`.
    Const(bool),
}
