//! The tokens of the filter grammar, as nom parsers: whitespace, keywords, attribute paths,
//! JSON strings and numbers, and comparison values.
//!
//! Every parser here consumes a bounded amount of input and never recurses; structure (groups,
//! `and`/`or`, value filters) is the job of `grammar`.

use nom::branch::alt;
use nom::bytes::complete::{tag, take_while, take_while1};
use nom::character::complete::{char, multispace0, satisfy};
use nom::combinator::{opt, recognize};
use nom::sequence::preceded;
use nom::{IResult, Parser};

use crate::ast::{AttrPath, CompValue, CompareOp, Number};
use crate::error::{ErrorKind, Expected};

/// The parser's internal error: the remaining input where the problem is, and what it is.
#[derive(Debug)]
pub(crate) struct PErr<'a> {
    pub(crate) at: &'a str,
    pub(crate) kind: ErrorKind,
}

impl<'a> PErr<'a> {
    /// An expectation failure. What was found is described only when the error reaches the
    /// caller ([`PErr::into_kind`]): alternatives fail and recover many times per parse.
    pub(crate) fn expected(at: &'a str, expected: Expected) -> Self {
        PErr {
            at,
            kind: ErrorKind::Expected {
                expected,
                found: String::new(),
            },
        }
    }

    /// The error's kind, with what was found at its position described.
    pub(crate) fn into_kind(self) -> ErrorKind {
        match self.kind {
            ErrorKind::Expected { expected, found } if found.is_empty() => ErrorKind::Expected {
                expected,
                found: self::found(self.at),
            },
            kind => kind,
        }
    }
}

impl<'a> nom::error::ParseError<&'a str> for PErr<'a> {
    fn from_error_kind(input: &'a str, _kind: nom::error::ErrorKind) -> Self {
        // Call sites replace this with a precise expectation; it only surfaces if one forgets.
        PErr::expected(input, Expected::Expression)
    }

    fn append(_input: &'a str, _kind: nom::error::ErrorKind, other: Self) -> Self {
        other
    }
}

/// Result of a token parser.
pub(crate) type Res<'a, T> = IResult<&'a str, T, PErr<'a>>;

/// A failure that stops parsing (no alternative can succeed).
pub(crate) fn fail<T>(at: &str, kind: ErrorKind) -> Res<'_, T> {
    Err(nom::Err::Failure(PErr { at, kind }))
}

/// A failure that says what was expected at `at`.
pub(crate) fn expected<T>(at: &str, what: Expected) -> Res<'_, T> {
    Err(nom::Err::Failure(PErr::expected(at, what)))
}

/// How the error message shows what was found: the next word (or character), quoted.
pub(crate) fn found(at: &str) -> String {
    if at.is_empty() {
        return "end of input".to_owned();
    }
    let word_len = at
        .char_indices()
        .find(|&(_, c)| !is_name_char(c))
        .map_or(at.len(), |(i, _)| i);
    let excerpt = if word_len > 0 {
        let mut end = word_len.min(24);
        while !at.is_char_boundary(end) {
            end -= 1;
        }
        at.get(..end).unwrap_or(at)
    } else {
        at.chars()
            .next()
            .map_or("", |c| at.get(..c.len_utf8()).unwrap_or(at))
    };
    format!("{excerpt:?}")
}

/// `nameChar` of the grammar, plus `$` for `$ref`.
pub(crate) fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '$'
}

/// Characters an attribute-path token may hold: name characters, `.` and the URN's `:`.
fn is_path_char(c: char) -> bool {
    is_name_char(c) || c == '.' || c == ':'
}

/// Optional whitespace (space, tab, CR, LF).
pub(crate) fn ws(i: &str) -> &str {
    let r: Res<'_, &str> = multispace0(i);
    r.map_or(i, |(rest, _)| rest)
}

/// A keyword in any letter case that is not the start of a longer name (`or` but not `order`).
pub(crate) fn keyword<'a>(i: &'a str, word: &'static str) -> Option<&'a str> {
    let r: Res<'a, &str> = nom::bytes::complete::tag_no_case(word).parse(i);
    match r {
        Ok((rest, _)) if !rest.starts_with(is_name_char) => Some(rest),
        _ => None,
    }
}

/// `ATTRNAME = ALPHA *(nameChar)`, or a `$`-prefixed name such as `$ref`.
pub(crate) fn attr_name(i: &str) -> Res<'_, &str> {
    recognize((
        satisfy(|c| c.is_ascii_alphabetic() || c == '$'),
        take_while(|c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
    ))
    .parse(i)
    .map_err(|_: nom::Err<PErr<'_>>| nom::Err::Failure(PErr::expected(i, Expected::AttrName)))
}

/// `[URI ":"] ATTRNAME *1subAttr`.
///
/// The path is one token of name characters, `.` and `:`. When it holds a `:`, everything up to
/// the last `:` is the schema URN, so URNs containing dots and digits
/// (`urn:ietf:params:scim:schemas:core:2.0:User:name.givenName`) need no special casing.
pub(crate) fn attr_path(i: &str) -> Res<'_, AttrPath> {
    let token_res: Res<'_, &str> = take_while1(is_path_char).parse(i);
    let Ok((rest, token)) = token_res else {
        return expected(i, Expected::AttrPath);
    };
    let (urn, local_off) = match token.rfind(':') {
        Some(colon) => {
            let urn = token.get(..colon).unwrap_or_default();
            if !urn.starts_with(|c: char| c.is_ascii_alphabetic()) || !urn.contains(':') {
                return expected(i, Expected::AttrPath);
            }
            (Some(urn), colon + 1)
        }
        None => (None, 0),
    };
    // Parse from suffixes of `i` so that error positions stay offsets into the whole input.
    let (after_name, name) = attr_name(i.get(local_off..).unwrap_or_default())?;
    let sub_attr = if after_name.len() == rest.len() {
        None
    } else if let Some(sub_input) = after_name.strip_prefix('.') {
        let (after_sub, sub) = attr_name(sub_input)?;
        if after_sub.len() != rest.len() {
            return expected(after_sub, Expected::AttrPathEnd);
        }
        Some(sub.to_owned())
    } else {
        return expected(after_name, Expected::AttrPathEnd);
    };
    Ok((
        rest,
        AttrPath {
            urn: urn.map(str::to_owned),
            name: name.to_owned(),
            sub_attr,
        },
    ))
}

/// A comparison operator or `pr`: `None` for `pr`.
pub(crate) fn operator(i: &str) -> Res<'_, Option<CompareOp>> {
    let word_res: Res<'_, &str> = take_while1(is_name_char).parse(i);
    let Ok((rest, word)) = word_res else {
        return expected(i, Expected::Operator);
    };
    if word.eq_ignore_ascii_case("pr") {
        return Ok((rest, None));
    }
    match CompareOp::from_keyword(word) {
        Some(op) => Ok((rest, Some(op))),
        None => expected(i, Expected::Operator),
    }
}

/// `compValue = false / null / true / number / string`.
pub(crate) fn comp_value(i: &str) -> Res<'_, CompValue> {
    match i.chars().next() {
        Some('"') => string(i).map(|(rest, s)| (rest, CompValue::String(s))),
        Some(c) if c == '-' || c.is_ascii_digit() => {
            number(i).map(|(rest, n)| (rest, CompValue::Number(n)))
        }
        _ => {
            let literal: Res<'_, CompValue> = alt((
                literal_value("true", CompValue::Bool(true)),
                literal_value("false", CompValue::Bool(false)),
                literal_value("null", CompValue::Null),
            ))
            .parse(i);
            literal.map_err(|_| nom::Err::Failure(PErr::expected(i, Expected::Value)))
        }
    }
}

fn literal_value<'a>(
    word: &'static str,
    value: CompValue,
) -> impl Parser<&'a str, Output = CompValue, Error = PErr<'a>> {
    move |i: &'a str| match keyword(i, word) {
        Some(rest) => Ok((rest, value.clone())),
        None => Err(nom::Err::Error(PErr::expected(i, Expected::Value))),
    }
}

/// A JSON number, which must not run on into other token characters (`12abc`).
pub(crate) fn number(i: &str) -> Res<'_, Number> {
    let token_len = i
        .char_indices()
        .find(|&(_, c)| !(is_name_char(c) || c == '.' || c == '+'))
        .map_or(i.len(), |(n, _)| n);
    let token = i.get(..token_len).unwrap_or(i);
    if json_number_len(token) == Some(token.len()) {
        Ok((
            i.get(token_len..).unwrap_or_default(),
            Number::parse(token).unwrap_or_else(|| 0.into()),
        ))
    } else {
        fail(
            i,
            ErrorKind::InvalidNumber {
                found: token.chars().take(40).collect(),
            },
        )
    }
}

/// Length of the longest JSON number (RFC 8259 §6) at the start of `s`, if one starts there.
pub(crate) fn json_number_len(s: &str) -> Option<usize> {
    let digits = |i| -> Res<'_, &str> { take_while1(|c: char| c.is_ascii_digit()).parse(i) };
    let int_part = |i| -> Res<'_, &str> {
        alt((
            recognize((
                satisfy(|c| ('1'..='9').contains(&c)),
                take_while(|c: char| c.is_ascii_digit()),
            )),
            tag("0"),
        ))
        .parse(i)
    };
    let res: Res<'_, &str> = recognize((
        opt(char('-')),
        int_part,
        opt(preceded(char('.'), digits)),
        opt((
            satisfy(|c| c == 'e' || c == 'E'),
            opt(satisfy(|c| c == '+' || c == '-')),
            digits,
        )),
    ))
    .parse(s);
    res.ok().map(|(_, matched)| matched.len())
}

/// A JSON string (RFC 8259 §7) starting at the opening quote, with every escape decoded.
pub(crate) fn string(i: &str) -> Res<'_, String> {
    let Some(body) = i.strip_prefix('"') else {
        return expected(i, Expected::Value);
    };
    let mut out = String::new();
    let mut rest = body;
    loop {
        let plain_len = rest
            .char_indices()
            .find(|&(_, c)| c == '"' || c == '\\' || c < '\u{20}')
            .map_or(rest.len(), |(n, _)| n);
        out.push_str(rest.get(..plain_len).unwrap_or_default());
        rest = rest.get(plain_len..).unwrap_or_default();
        match rest.chars().next() {
            None => return fail(i, ErrorKind::UnterminatedString),
            Some('"') => return Ok((rest.get(1..).unwrap_or_default(), out)),
            Some('\\') => {
                let (after, c) = escape(rest)?;
                out.push(c);
                rest = after;
            }
            Some(_) => return fail(rest, ErrorKind::ControlCharacter),
        }
    }
}

/// One escape sequence starting at its backslash.
fn escape(i: &str) -> Res<'_, char> {
    let after = i.get(1..).unwrap_or_default();
    let simple = match after.chars().next() {
        Some('"') => Some('"'),
        Some('\\') => Some('\\'),
        Some('/') => Some('/'),
        Some('b') => Some('\u{08}'),
        Some('f') => Some('\u{0c}'),
        Some('n') => Some('\n'),
        Some('r') => Some('\r'),
        Some('t') => Some('\t'),
        Some('u') => None,
        None => return fail(i, ErrorKind::UnterminatedString),
        Some(_) => return fail(i, ErrorKind::InvalidEscape),
    };
    if let Some(c) = simple {
        return Ok((after.get(1..).unwrap_or_default(), c));
    }
    let (rest, unit) = hex4(i)?;
    match unit {
        0xD800..=0xDBFF => {
            // A high surrogate must be followed by `\u` and a low surrogate.
            if !rest.starts_with("\\u") {
                return fail(i, ErrorKind::LoneSurrogate);
            }
            let (rest2, low) = hex4(rest)?;
            if !(0xDC00..=0xDFFF).contains(&low) {
                return fail(i, ErrorKind::LoneSurrogate);
            }
            let code = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
            match char::from_u32(code) {
                Some(c) => Ok((rest2, c)),
                None => fail(i, ErrorKind::LoneSurrogate),
            }
        }
        0xDC00..=0xDFFF => fail(i, ErrorKind::LoneSurrogate),
        _ => match char::from_u32(unit) {
            Some(c) => Ok((rest, c)),
            None => fail(i, ErrorKind::InvalidEscape),
        },
    }
}

/// `\uXXXX` starting at the backslash: the code unit.
fn hex4(i: &str) -> Res<'_, u32> {
    let hex = i
        .get(2..6)
        .filter(|h| h.chars().all(|c| c.is_ascii_hexdigit()));
    match hex.and_then(|h| u32::from_str_radix(h, 16).ok()) {
        Some(unit) => Ok((i.get(6..).unwrap_or_default(), unit)),
        None => fail(i, ErrorKind::InvalidEscape),
    }
}
