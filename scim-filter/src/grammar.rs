//! The recursive structure of filters and PATCH paths, on top of the tokens of `lexer`.
//!
//! ```text
//! FILTER    = attrExp / logExp / valuePath / *1"not" "(" FILTER ")"     (RFC 7644 §3.4.2.2)
//! valuePath = attrPath "[" valFilter "]" [ "." ATTRNAME (SP "pr" / SP compareOp SP compValue) ]
//! PATH      = attrPath / valuePath [subAttr]                            (RFC 7644 §3.5.2)
//! ```
//!
//! Precedence is `not` > `and` > `or`: each nesting level holds an `or` of `and` chains of
//! operands. The parser does not recurse: groups, `not (…)` and value filters push a frame on an
//! explicit stack, checked against the depth limit of [`Limits`], so no input can exhaust the
//! thread stack. No alternative re-parses a subtree, so time is linear in the input length.

use crate::ast::{AttrPath, AttrTest, Filter, PatchPath, SubAttrTest};
use crate::error::{ErrorKind, Expected, InputKind, ParseError};
use crate::lexer::{
    attr_name, attr_path, comp_value, expected, fail, keyword, operator, ws, PErr, Res,
};
use crate::limits::Limits;

/// Parses a whole filter.
pub(crate) fn filter(input: &str, limits: &Limits) -> Result<Filter, ParseError> {
    run(input, limits, InputKind::Filter, |i| {
        Grammar { limits }.expression(i, None)
    })
}

/// Parses a whole PATCH path.
pub(crate) fn path(input: &str, limits: &Limits) -> Result<PatchPath, ParseError> {
    run(input, limits, InputKind::Path, |i| {
        let g = Grammar { limits };
        let (rest, p) = g.patch_path(i)?;
        let rest = ws(rest);
        if rest.is_empty() {
            Ok((rest, p))
        } else {
            expected(rest, Expected::PathEnd)
        }
    })
}

/// Checks the length, skips leading whitespace, runs `parse` and turns its error into a
/// [`ParseError`] with a byte offset.
fn run<T>(
    input: &str,
    limits: &Limits,
    kind: InputKind,
    parse: impl FnOnce(&str) -> Res<'_, T>,
) -> Result<T, ParseError> {
    if input.len() > limits.max_len() {
        // The first byte past the limit, moved back to a character boundary.
        let mut offset = limits.max_len();
        while !input.is_char_boundary(offset) {
            offset -= 1;
        }
        return Err(ParseError {
            input: kind,
            offset,
            kind: ErrorKind::TooLong {
                len: input.len(),
                limit: limits.max_len(),
            },
        });
    }
    let start = ws(input);
    if start.is_empty() {
        return Err(ParseError {
            input: kind,
            offset: 0,
            kind: ErrorKind::Empty,
        });
    }
    parse(start).map(|(_, value)| value).map_err(|e| {
        let error = match e {
            nom::Err::Error(e) | nom::Err::Failure(e) => e,
            nom::Err::Incomplete(_) => PErr::expected("", Expected::Expression),
        };
        ParseError {
            input: kind,
            offset: input.len().saturating_sub(error.at.len()),
            kind: error.into_kind(),
        }
    })
}

struct Grammar<'l> {
    limits: &'l Limits,
}

/// An open construct whose closing token has not been read yet.
enum Open {
    /// `(`; `negated` when it was `not (`.
    Group { negated: bool },
    /// `attr[` inside a filter.
    Bracket { path: AttrPath },
    /// The `[` of a PATCH path, which is the outermost level.
    PathBracket,
}

/// One nesting level: what opened it, where, and the operands read so far inside it.
struct Frame {
    open: Option<Open>,
    /// Complete `and` chains of the current `or` chain.
    or_operands: Vec<Filter>,
    /// Operands of the `and` chain being read.
    and_operands: Vec<Filter>,
}

impl Frame {
    fn new(open: Option<Open>) -> Frame {
        Frame {
            open,
            or_operands: Vec::new(),
            and_operands: Vec::new(),
        }
    }

    /// The frame's whole expression: `or` of `and` chains.
    fn finish(mut self) -> (Option<Open>, Filter) {
        let chain = collapse(std::mem::take(&mut self.and_operands), Filter::And);
        self.or_operands.push(chain);
        (self.open, collapse(self.or_operands, Filter::Or))
    }
}

impl Grammar<'_> {
    /// An expression, with an explicit stack instead of recursion: nesting costs heap, never
    /// thread stack, and each level is checked against the depth limit.
    ///
    /// With `in_brackets` the expression is the inside of a PATCH path's `[…]` (the `[` already
    /// read): it ends at the matching `]`, which is consumed. Otherwise it ends at the end of the
    /// input.
    fn expression<'a>(&self, i: &'a str, in_brackets: Option<&'a str>) -> Res<'a, Filter> {
        let mut stack: Vec<Frame> = Vec::new();
        let mut current = match in_brackets {
            Some(open) => {
                self.check_depth(open, 1)?;
                Frame::new(Some(Open::PathBracket))
            }
            None => Frame::new(None),
        };
        let mut i = i;
        loop {
            // Expecting an operand: open constructs until one is complete.
            let (rest, operand) = loop {
                let at = ws(i);
                if let Some(inner) = at.strip_prefix('(') {
                    stack.push(std::mem::replace(
                        &mut current,
                        Frame::new(Some(Open::Group { negated: false })),
                    ));
                    self.check_depth(at, depth_of(&stack, &current))?;
                    i = inner;
                    continue;
                }
                if let Some(inner) = not_group(at)? {
                    stack.push(std::mem::replace(
                        &mut current,
                        Frame::new(Some(Open::Group { negated: true })),
                    ));
                    self.check_depth(at, depth_of(&stack, &current))?;
                    i = inner;
                    continue;
                }
                if !at.starts_with(|c: char| c.is_ascii_alphabetic() || c == '$') {
                    return expected(at, Expected::Expression);
                }
                let (rest, path) = attr_path(at)?;
                if rest.starts_with('[') {
                    let in_value = stack
                        .iter()
                        .chain(std::iter::once(&current))
                        .any(|f| matches!(f.open, Some(Open::Bracket { .. } | Open::PathBracket)));
                    if in_value {
                        return fail(rest, ErrorKind::NestedValueFilter);
                    }
                    if path.sub_attr.is_some() {
                        return fail(rest, ErrorKind::ValueFilterOnSubAttribute);
                    }
                    stack.push(std::mem::replace(
                        &mut current,
                        Frame::new(Some(Open::Bracket { path })),
                    ));
                    self.check_depth(rest, depth_of(&stack, &current))?;
                    i = rest.get(1..).unwrap_or_default();
                    continue;
                }
                let (rest, test) = attr_test(rest)?;
                break (rest, Filter::Attr { path, test });
            };
            current.and_operands.push(operand);
            i = rest;
            // After an operand: `and`, `or`, or closing tokens until one of those (or the end).
            loop {
                let at = ws(i);
                if let Some(after) = keyword(at, "and") {
                    i = after;
                    break;
                }
                if let Some(after) = keyword(at, "or") {
                    let chain = collapse(std::mem::take(&mut current.and_operands), Filter::And);
                    current.or_operands.push(chain);
                    i = after;
                    break;
                }
                let closing = match current.open {
                    None => None,
                    Some(Open::Group { .. }) => at.strip_prefix(')'),
                    Some(Open::Bracket { .. } | Open::PathBracket) => at.strip_prefix(']'),
                };
                let Some(after_close) = closing else {
                    let what = match current.open {
                        None => Expected::LogicalOrEnd,
                        Some(Open::Group { .. }) => Expected::CloseParen,
                        Some(Open::Bracket { .. } | Open::PathBracket) => Expected::CloseBracket,
                    };
                    if current.open.is_none() && at.is_empty() {
                        return Ok((at, current.finish().1));
                    }
                    return expected(at, what);
                };
                let Some(parent) = stack.pop() else {
                    // The closing `]` of a PATCH path's value filter.
                    return Ok((after_close, current.finish().1));
                };
                let (open, inner) = std::mem::replace(&mut current, parent).finish();
                let (rest, closed) = match open {
                    Some(Open::Group { negated: true }) => {
                        (after_close, Filter::Not(Box::new(inner)))
                    }
                    Some(Open::Bracket { path }) => value_path_end(after_close, path, inner)?,
                    Some(Open::Group { negated: false } | Open::PathBracket) | None => {
                        (after_close, inner)
                    }
                };
                current.and_operands.push(closed);
                i = rest;
            }
        }
    }

    /// A [`ErrorKind::TooDeep`] error at `at` when `depth` is past the limit.
    fn check_depth<'a>(&self, at: &'a str, depth: usize) -> Result<(), nom::Err<PErr<'a>>> {
        if depth > self.limits.max_depth() {
            Err(nom::Err::Failure(PErr {
                at,
                kind: ErrorKind::TooDeep {
                    limit: self.limits.max_depth(),
                },
            }))
        } else {
            Ok(())
        }
    }

    /// `attrPath`, `attrPath "[" valFilter "]"` or `attrPath "[" valFilter "]" "." ATTRNAME`.
    fn patch_path<'a>(&self, i: &'a str) -> Res<'a, PatchPath> {
        let (rest, attr) = attr_path(i)?;
        let Some(inner) = rest.strip_prefix('[') else {
            return Ok((rest, PatchPath::Attr(attr)));
        };
        if attr.sub_attr.is_some() {
            return fail(rest, ErrorKind::ValueFilterOnSubAttribute);
        }
        let (after, filter) = self.expression(inner, Some(rest))?;
        let (after, sub_attr) = match after.strip_prefix('.') {
            Some(sub_input) => {
                let (after_name, name) = attr_name(sub_input)?;
                (after_name, Some(name.to_owned()))
            }
            None => (after, None),
        };
        Ok((
            after,
            PatchPath::Filtered {
                attr,
                filter,
                sub_attr,
            },
        ))
    }
}

/// Nesting depth: the open frames, counting the current one unless it is the top level.
fn depth_of(stack: &[Frame], current: &Frame) -> usize {
    stack
        .iter()
        .chain(std::iter::once(current))
        .filter(|f| f.open.is_some())
        .count()
}

/// `not (` at `at`: the input after the `(`, or `None` when `not` is an attribute name.
fn not_group(at: &str) -> Result<Option<&str>, nom::Err<PErr<'_>>> {
    let Some(after_not) = keyword(at, "not").filter(|r| !r.starts_with(['.', ':', '['])) else {
        return Ok(None);
    };
    let after_ws = ws(after_not);
    if let Some(inner) = after_ws.strip_prefix('(') {
        return Ok(Some(inner));
    }
    // `not` is an attribute name only when an operator follows (`not pr`); anything else is a
    // `not` missing its parenthesis.
    let spaced = after_ws.len() < after_not.len();
    if spaced && operator(after_ws).is_ok() {
        Ok(None)
    } else {
        Err(nom::Err::Failure(PErr::expected(
            after_ws,
            Expected::OpenParen,
        )))
    }
}

/// After `attr[filter]`: an optional `.sub test`, making the value-path operand.
fn value_path_end(i: &str, path: AttrPath, inner: Filter) -> Res<'_, Filter> {
    let (rest, sub) = match i.strip_prefix('.') {
        Some(sub_input) => {
            let (after_name, name) = attr_name(sub_input)?;
            let (after_test, test) = attr_test(after_name)?;
            (
                after_test,
                Some(SubAttrTest {
                    name: name.to_owned(),
                    test,
                }),
            )
        }
        None => (i, None),
    };
    Ok((
        rest,
        Filter::ValuePath {
            path,
            filter: Box::new(inner),
            sub,
        },
    ))
}

/// `SP "pr"` or `SP compareOp SP compValue` after an attribute path.
fn attr_test(i: &str) -> Res<'_, AttrTest> {
    let at_op = ws(i);
    let (rest, op) = operator(at_op)?;
    match op {
        None => Ok((rest, AttrTest::Present)),
        Some(op) => {
            let (rest, value) = comp_value(ws(rest))?;
            Ok((rest, AttrTest::Compare(op, value)))
        }
    }
}

/// One operand stays itself; several make a chain.
fn collapse(mut operands: Vec<Filter>, chain: fn(Vec<Filter>) -> Filter) -> Filter {
    if operands.len() == 1 {
        if let Some(only) = operands.pop() {
            return only;
        }
    }
    chain(operands)
}
