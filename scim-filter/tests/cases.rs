//! The case table: every operator, every grammar branch, RFC 7644's own examples, what identity
//! providers send, and every error class with its offset — all through the public API.
//!
//! Successful parses are checked against a *shape*: an S-expression written by hand that shows the
//! tree (grouping, n-ary chains, URN split) which the canonical text alone would hide. Every
//! successful case is also printed and parsed back.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::needless_pass_by_value
)]

use scimkit_filter::{
    parse_filter, parse_path, AttrPath, AttrTest, ErrorKind, Filter, Limits, PatchPath, SubAttrTest,
};

/// `urn|name.sub`: the URN (if any) is separated by `|` so the split is visible.
fn path_shape(p: &AttrPath) -> String {
    let mut out = String::new();
    if let Some(urn) = &p.urn {
        out.push_str(urn);
        out.push('|');
    }
    out.push_str(&p.name);
    if let Some(sub) = &p.sub_attr {
        out.push('.');
        out.push_str(sub);
    }
    out
}

fn test_shape(t: &AttrTest) -> String {
    match t {
        AttrTest::Present => "pr".to_owned(),
        AttrTest::Compare(op, value) => format!("{op} {value}"),
    }
}

fn shape(f: &Filter) -> String {
    match f {
        Filter::Attr { path, test } => format!("{} {}", path_shape(path), test_shape(test)),
        Filter::ValuePath { path, filter, sub } => {
            let mut out = format!("{}[{}]", path_shape(path), shape(filter));
            if let Some(SubAttrTest { name, test }) = sub {
                out = format!("{out}.{name} {}", test_shape(test));
            }
            out
        }
        Filter::Not(inner) => format!("(not {})", shape(inner)),
        Filter::And(ops) => format!(
            "(and {})",
            ops.iter().map(shape).collect::<Vec<_>>().join(" ")
        ),
        Filter::Or(ops) => format!(
            "(or {})",
            ops.iter().map(shape).collect::<Vec<_>>().join(" ")
        ),
    }
}

fn path_tree(p: &PatchPath) -> String {
    match p {
        PatchPath::Attr(a) => path_shape(a),
        PatchPath::Filtered {
            attr,
            filter,
            sub_attr,
        } => {
            let mut out = format!("{}[{}]", path_shape(attr), shape(filter));
            if let Some(sub) = sub_attr {
                out.push('.');
                out.push_str(sub);
            }
            out
        }
    }
}

const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const CORE_USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";

/// (input, shape). `{E}` and `{U}` stand for the enterprise and core User URNs.
const FILTERS: &[(&str, &str)] = &[
    // ---- every comparison operator, and pr
    (r#"userName eq "bjensen""#, r#"userName eq "bjensen""#),
    (r#"userName ne "bjensen""#, r#"userName ne "bjensen""#),
    (
        r#"name.familyName co "O'Malley""#,
        r#"name.familyName co "O'Malley""#,
    ),
    (r#"userName sw "J""#, r#"userName sw "J""#),
    (
        r#"userName ew "@example.com""#,
        r#"userName ew "@example.com""#,
    ),
    (
        r#"meta.lastModified gt "2011-05-13T04:42:34Z""#,
        r#"meta.lastModified gt "2011-05-13T04:42:34Z""#,
    ),
    (
        r#"meta.lastModified ge "2011-05-13T04:42:34Z""#,
        r#"meta.lastModified ge "2011-05-13T04:42:34Z""#,
    ),
    (
        r#"meta.lastModified lt "2011-05-13T04:42:34Z""#,
        r#"meta.lastModified lt "2011-05-13T04:42:34Z""#,
    ),
    (
        r#"meta.lastModified le "2011-05-13T04:42:34Z""#,
        r#"meta.lastModified le "2011-05-13T04:42:34Z""#,
    ),
    ("title pr", "title pr"),
    // ---- operators and keywords in any letter case
    (r#"userName EQ "a""#, r#"userName eq "a""#),
    (r#"userName Ne "a""#, r#"userName ne "a""#),
    (r#"userName cO "a""#, r#"userName co "a""#),
    (r#"userName SW "a""#, r#"userName sw "a""#),
    (r#"userName Ew "a""#, r#"userName ew "a""#),
    ("age GT 1", "age gt 1"),
    ("age gE 1", "age ge 1"),
    ("age Lt 1", "age lt 1"),
    ("age LE 1", "age le 1"),
    ("title PR", "title pr"),
    ("title Pr", "title pr"),
    ("a pr AND b pr", "(and a pr b pr)"),
    ("a pr Or b pr", "(or a pr b pr)"),
    ("NOT (a pr)", "(not a pr)"),
    ("Not(a pr)", "(not a pr)"),
    // ---- values: strings with every JSON escape
    (r#"a eq "say \"hi\"""#, r#"a eq "say \"hi\"""#),
    (r#"a eq "back\\slash""#, r#"a eq "back\\slash""#),
    (r#"a eq "sl\/ash""#, r#"a eq "sl/ash""#),
    (r#"a eq "\b\f\n\r\t""#, r#"a eq "\b\f\n\r\t""#),
    (r#"a eq "caf\u00e9""#, r#"a eq "café""#),
    (r#"a eq "caf\u00E9""#, r#"a eq "café""#),
    (r#"a eq "\ud83d\ude00""#, r#"a eq "😀""#),
    (r#"a eq "\u0001""#, r#"a eq "\u0001""#),
    (r#"a eq "ünïcödé 名前""#, r#"a eq "ünïcödé 名前""#),
    (r#"a eq """#, r#"a eq """#),
    (
        r#"a eq "and or not ( ) [ ]""#,
        r#"a eq "and or not ( ) [ ]""#,
    ),
    // ---- values: numbers, booleans, null
    ("a eq 0", "a eq 0"),
    ("a eq 42", "a eq 42"),
    ("a eq -7", "a eq -7"),
    ("a eq 3.25", "a eq 3.25"),
    ("a eq -0.5", "a eq -0.5"),
    ("a eq 1e3", "a eq 1e3"),
    ("a eq 1E+3", "a eq 1E+3"),
    ("a eq 2.5e-10", "a eq 2.5e-10"),
    ("a eq 12345678901234567890", "a eq 12345678901234567890"),
    ("active eq true", "active eq true"),
    ("active eq false", "active eq false"),
    ("manager eq null", "manager eq null"),
    ("active ne false", "active ne false"),
    // ABNF literals are case-insensitive (RFC 5234 §2.3), so are true/false/null
    ("active eq TRUE", "active eq true"),
    ("active eq False", "active eq false"),
    ("manager eq NULL", "manager eq null"),
    // ---- attribute names and paths
    ("$ref pr", "$ref pr"),
    (
        r#"members.$ref eq "https://x/Users/1""#,
        r#"members.$ref eq "https://x/Users/1""#,
    ),
    ("x509Certificates pr", "x509Certificates pr"),
    ("a-b_c9 pr", "a-b_c9 pr"),
    ("name.givenName pr", "name.givenName pr"),
    ("USERNAME pr", "USERNAME pr"),
    // ---- URN-qualified paths (URN ends at the last ':')
    (
        r#"urn:ietf:params:scim:schemas:core:2.0:User:userName eq "a""#,
        r#"{U}|userName eq "a""#,
    ),
    (
        "urn:ietf:params:scim:schemas:core:2.0:User:name.givenName pr",
        "{U}|name.givenName pr",
    ),
    (
        r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984""#,
        r#"{E}|employeeNumber eq "701984""#,
    ),
    (
        r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "26118915-6090-4610-87e4-49d8ca9f808d""#,
        r#"{E}|manager.value eq "26118915-6090-4610-87e4-49d8ca9f808d""#,
    ),
    (
        r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "Sales""#,
        r#"{E}|department eq "Sales""#,
    ),
    (
        "urn:acme:schemas:1.0:Custom:badge-id pr",
        "urn:acme:schemas:1.0:Custom|badge-id pr",
    ),
    (
        "URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER:userName pr",
        "URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER|userName pr",
    ),
    // ---- and/or chains and precedence (not > and > or)
    ("a pr and b pr", "(and a pr b pr)"),
    ("a pr or b pr", "(or a pr b pr)"),
    ("a pr and b pr and c pr", "(and a pr b pr c pr)"),
    ("a pr or b pr or c pr or d pr", "(or a pr b pr c pr d pr)"),
    ("a pr or b pr and c pr", "(or a pr (and b pr c pr))"),
    ("a pr and b pr or c pr", "(or (and a pr b pr) c pr)"),
    (
        "a pr and b pr or c pr and d pr",
        "(or (and a pr b pr) (and c pr d pr))",
    ),
    ("(a pr or b pr) and c pr", "(and (or a pr b pr) c pr)"),
    ("a pr and (b pr or c pr)", "(and a pr (or b pr c pr))"),
    ("not (a pr) and b pr", "(and (not a pr) b pr)"),
    ("not (a pr or b pr)", "(not (or a pr b pr))"),
    ("not (not (a pr))", "(not (not a pr))"),
    (
        "a pr or not (b pr) and c pr",
        "(or a pr (and (not b pr) c pr))",
    ),
    // ---- parentheses
    ("(a pr)", "a pr"),
    ("((a pr))", "a pr"),
    ("(((a pr)))", "a pr"),
    ("(a pr and b pr) and c pr", "(and (and a pr b pr) c pr)"),
    ("(a pr or b pr) or c pr", "(or (or a pr b pr) c pr)"),
    ("(a pr) and (b pr)", "(and a pr b pr)"),
    // ---- whitespace wherever the grammar allows it
    ("  a pr  ", "a pr"),
    ("a   pr", "a pr"),
    ("\ta pr\n", "a pr"),
    ("a pr   and\t\tb pr", "(and a pr b pr)"),
    ("( a pr )", "a pr"),
    ("not   ( a pr )", "(not a pr)"),
    (r#"a    eq     "x""#, r#"a eq "x""#),
    (r#"emails[ type eq "work" ]"#, r#"emails[type eq "work"]"#),
    // ---- value paths
    (r#"emails[type eq "work"]"#, r#"emails[type eq "work"]"#),
    (
        r#"emails[type eq "work" and value co "@example.com"]"#,
        r#"emails[(and type eq "work" value co "@example.com")]"#,
    ),
    (
        r#"emails[type eq "work" or primary eq true]"#,
        r#"emails[(or type eq "work" primary eq true)]"#,
    ),
    (
        r#"emails[not (type eq "home")]"#,
        r#"emails[(not type eq "home")]"#,
    ),
    ("emails[value pr]", "emails[value pr]"),
    (
        r#"emails[type eq "work"].value eq "a@b.c""#,
        r#"emails[type eq "work"].value eq "a@b.c""#,
    ),
    (
        "emails[primary eq true].value pr",
        "emails[primary eq true].value pr",
    ),
    (
        r#"members[value eq "2819c223-7f76-453a-919d-413861904646"]"#,
        r#"members[value eq "2819c223-7f76-453a-919d-413861904646"]"#,
    ),
    (
        r#"addresses[(type eq "work") and (postalCode sw "9")]"#,
        r#"addresses[(and type eq "work" postalCode sw "9")]"#,
    ),
    (
        r#"emails[type eq "work"] and userName sw "b""#,
        r#"(and emails[type eq "work"] userName sw "b")"#,
    ),
    (
        r#"userName sw "b" or emails[type eq "work"]"#,
        r#"(or userName sw "b" emails[type eq "work"])"#,
    ),
    (
        r#"not (emails[type eq "work"])"#,
        r#"(not emails[type eq "work"])"#,
    ),
    (
        r#"urn:ietf:params:scim:schemas:core:2.0:User:emails[type eq "work"]"#,
        r#"{U}|emails[type eq "work"]"#,
    ),
    (
        r#"emails[urn:ietf:params:scim:schemas:core:2.0:User:type eq "work"]"#,
        r#"emails[{U}|type eq "work"]"#,
    ),
    // ---- RFC 7644 §3.4.2.2, every example filter
    (r#"userName Eq "john""#, r#"userName eq "john""#),
    (r#"Username eq "john""#, r#"Username eq "john""#),
    (
        r#"name.familyName co "O'Malley""#,
        r#"name.familyName co "O'Malley""#,
    ),
    (r#"userName sw "J""#, r#"userName sw "J""#),
    (
        r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J""#,
        r#"{U}|userName sw "J""#,
    ),
    ("title pr", "title pr"),
    (
        r#"meta.lastModified gt "2011-05-13T04:42:34Z""#,
        r#"meta.lastModified gt "2011-05-13T04:42:34Z""#,
    ),
    (
        r#"title pr and userType eq "Employee""#,
        r#"(and title pr userType eq "Employee")"#,
    ),
    (
        r#"title pr or userType eq "Intern""#,
        r#"(or title pr userType eq "Intern")"#,
    ),
    (
        r#"schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User""#,
        r#"schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User""#,
    ),
    (
        r#"userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")"#,
        r#"(and userType eq "Employee" (or emails co "example.com" emails.value co "example.org"))"#,
    ),
    (
        r#"userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")"#,
        r#"(and userType ne "Employee" (not (or emails co "example.com" emails.value co "example.org")))"#,
    ),
    (
        r#"userType eq "Employee" and (emails.type eq "work")"#,
        r#"(and userType eq "Employee" emails.type eq "work")"#,
    ),
    (
        r#"userType eq "Employee" and emails[type eq "work" and value co "@example.com"]"#,
        r#"(and userType eq "Employee" emails[(and type eq "work" value co "@example.com")])"#,
    ),
    (
        r#"emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]"#,
        r#"(or emails[(and type eq "work" value co "@example.com")] ims[(and type eq "xmpp" value co "@foo.com")])"#,
    ),
    // ---- what identity providers send (IDP-NOTES)
    (
        r#"userName eq "ryan@contoso.com""#,
        r#"userName eq "ryan@contoso.com""#,
    ),
    (
        r#"externalId eq "00aa00aa-bb11-cc22-dd33-44ee44ee44ee""#,
        r#"externalId eq "00aa00aa-bb11-cc22-dd33-44ee44ee44ee""#,
    ),
    (
        r#"displayName eq "Engineering Team""#,
        r#"displayName eq "Engineering Team""#,
    ),
    (
        r#"userName eq "test.user@okta.local""#,
        r#"userName eq "test.user@okta.local""#,
    ),
    (
        r#"emails[type eq "work"].value eq "bjensen@example.com""#,
        r#"emails[type eq "work"].value eq "bjensen@example.com""#,
    ),
    (
        r#"id eq "2819c223-7f76-453a-919d-413861904646" and members[value eq "a"]"#,
        r#"(and id eq "2819c223-7f76-453a-919d-413861904646" members[value eq "a"])"#,
    ),
    (r#"email eq "a@b.c""#, r#"email eq "a@b.c""#),
    (
        r#"userName eq "bjensen" and active eq true"#,
        r#"(and userName eq "bjensen" active eq true)"#,
    ),
];

/// (input, shape) for PATCH paths.
const PATHS: &[(&str, &str)] = &[
    ("userName", "userName"),
    ("active", "active"),
    ("name.givenName", "name.givenName"),
    ("NAME.GIVENNAME", "NAME.GIVENNAME"),
    ("members", "members"),
    ("members.$ref", "members.$ref"),
    ("x509Certificates", "x509Certificates"),
    (
        r#"members[value eq "2819c223-7f76-453a-919d-413861904646"]"#,
        r#"members[value eq "2819c223-7f76-453a-919d-413861904646"]"#,
    ),
    (
        r#"members[value eq "a" or value eq "b"]"#,
        r#"members[(or value eq "a" value eq "b")]"#,
    ),
    (
        r#"emails[type eq "work"].value"#,
        r#"emails[type eq "work"].value"#,
    ),
    (
        r#"addresses[type eq "work"].streetAddress"#,
        r#"addresses[type eq "work"].streetAddress"#,
    ),
    (
        r#"phoneNumbers[type eq "mobile" and primary eq true].value"#,
        r#"phoneNumbers[(and type eq "mobile" primary eq true)].value"#,
    ),
    (
        r#"emails[not (type eq "home")]"#,
        r#"emails[(not type eq "home")]"#,
    ),
    ("  userName  ", "userName"),
    (
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
        "{E}|employeeNumber",
    ),
    (
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
        "{E}|manager.value",
    ),
    (
        "urn:ietf:params:scim:schemas:core:2.0:User:name.familyName",
        "{U}|name.familyName",
    ),
    (
        r#"urn:ietf:params:scim:schemas:core:2.0:User:emails[type eq "work"].value"#,
        r#"{U}|emails[type eq "work"].value"#,
    ),
    (
        r#"urn:ietf:params:scim:schemas:core:2.0:User:emails[type eq "work"]"#,
        r#"{U}|emails[type eq "work"]"#,
    ),
];

fn expand(s: &str) -> String {
    s.replace("{E}", ENT).replace("{U}", CORE_USER)
}

#[test]
fn filter_table_parses_to_the_expected_tree_and_prints_back() {
    let mut failures = Vec::new();
    for (input, want) in FILTERS {
        match parse_filter(input) {
            Ok(filter) => {
                let got = shape(&filter);
                if got != expand(want) {
                    failures.push(format!("{input}\n   want {}\n   got  {got}", expand(want)));
                }
                let printed = filter.to_string();
                match parse_filter(&printed) {
                    Ok(back) if back == filter => {}
                    other => failures.push(format!("{input}: printed {printed} → {other:?}")),
                }
            }
            Err(e) => failures.push(format!("{input}: {e}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn path_table_parses_to_the_expected_tree_and_prints_back() {
    let mut failures = Vec::new();
    for (input, want) in PATHS {
        match parse_path(input) {
            Ok(path) => {
                let got = path_tree(&path);
                if got != expand(want) {
                    failures.push(format!("{input}\n   want {}\n   got  {got}", expand(want)));
                }
                let printed = path.to_string();
                match parse_path(&printed) {
                    Ok(back) if back == path => {}
                    other => failures.push(format!("{input}: printed {printed} → {other:?}")),
                }
            }
            Err(e) => failures.push(format!("{input}: {e}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A compact tag for an error kind, so the table stays readable.
fn tag(kind: &ErrorKind) -> String {
    match kind {
        ErrorKind::Empty => "empty".to_owned(),
        ErrorKind::Expected { expected, .. } => format!("expected {expected:?}"),
        ErrorKind::UnterminatedString => "unterminated".to_owned(),
        ErrorKind::InvalidEscape => "escape".to_owned(),
        ErrorKind::LoneSurrogate => "surrogate".to_owned(),
        ErrorKind::ControlCharacter => "control".to_owned(),
        ErrorKind::InvalidNumber { found } => format!("number {found}"),
        ErrorKind::NestedValueFilter => "nested".to_owned(),
        ErrorKind::ValueFilterOnSubAttribute => "filter on sub".to_owned(),
        ErrorKind::TooDeep { limit } => format!("deep {limit}"),
        ErrorKind::TooLong { len, limit } => format!("long {len}>{limit}"),
    }
}

/// (input, byte offset, tag) for filters.
const FILTER_ERRORS: &[(&str, usize, &str)] = &[
    ("", 0, "empty"),
    ("   ", 0, "empty"),
    (r#"userName equals "bjensen""#, 9, "expected Operator"),
    ("userName", 8, "expected Operator"),
    ("userName eq", 11, "expected Value"),
    ("userName eq bjensen", 12, "expected Value"),
    ("userName eq 'bjensen'", 12, "expected Value"),
    (r#"userName eq "bjensen"#, 12, "unterminated"),
    (r#"a eq "x\qy""#, 7, "escape"),
    (r#"a eq "\u12""#, 6, "escape"),
    (r#"a eq "\uzzzz""#, 6, "escape"),
    (r#"a eq "\ud83d""#, 6, "surrogate"),
    (r#"a eq "\ude00""#, 6, "surrogate"),
    (r#"a eq "\ud83d\u0041""#, 6, "surrogate"),
    ("a eq \"x\ny\"", 7, "control"),
    ("a eq \"\u{1}\"", 6, "control"),
    ("a eq 01", 5, "number 01"),
    ("a eq 1.", 5, "number 1."),
    ("a eq -", 5, "number -"),
    ("a eq 1e", 5, "number 1e"),
    ("a eq .5", 5, "expected Value"),
    ("a eq nul", 5, "expected Value"),
    ("a eq truex", 5, "expected Value"),
    ("a pr b pr", 5, "expected LogicalOrEnd"),
    ("a pr and", 8, "expected Expression"),
    ("a pr or", 7, "expected Expression"),
    // `and` is a valid attribute name, so the second `and` is read as one
    ("a pr and and b pr", 13, "expected Operator"),
    ("and a pr", 4, "expected Operator"),
    ("(a pr", 5, "expected CloseParen"),
    ("a pr)", 4, "expected LogicalOrEnd"),
    ("()", 1, "expected Expression"),
    ("not a pr", 4, "expected OpenParen"),
    ("not", 3, "expected OpenParen"),
    ("not ()", 5, "expected Expression"),
    (r#"emails[type eq "work""#, 21, "expected CloseBracket"),
    ("emails[]", 7, "expected Expression"),
    (
        r#"emails[type eq "work"] eq "x""#,
        23,
        "expected LogicalOrEnd",
    ),
    (r#"emails[type eq "work"].value"#, 28, "expected Operator"),
    ("emails[types[value pr]]", 12, "nested"),
    ("name.givenName[value pr]", 14, "filter on sub"),
    ("9lives pr", 0, "expected Expression"),
    ("-a pr", 0, "expected Expression"),
    ("a eq \"x\" and 9 pr", 13, "expected Expression"),
    ("a.b.c pr", 3, "expected AttrPathEnd"),
    ("a. pr", 2, "expected AttrName"),
    ("urn:x:y: pr", 8, "expected AttrName"),
    ("userName eq \"a\" éé", 16, "expected LogicalOrEnd"),
    ("userName éq \"a\"", 9, "expected Operator"),
    ("a eq \"x\" or (b pr", 17, "expected CloseParen"),
    ("emails[a pr) ]", 11, "expected CloseBracket"),
];

/// (input, byte offset, tag) for PATCH paths.
const PATH_ERRORS: &[(&str, usize, &str)] = &[
    ("", 0, "empty"),
    ("name.", 5, "expected AttrName"),
    ("name givenName", 5, "expected PathEnd"),
    ("emails[type eq \"work\"", 21, "expected CloseBracket"),
    ("emails[type eq \"work\"]value", 22, "expected PathEnd"),
    ("emails[type eq \"work\"].value.x", 28, "expected PathEnd"),
    ("name.givenName[value pr]", 14, "filter on sub"),
    ("emails[types[value pr]]", 12, "nested"),
    ("userName eq \"x\"", 9, "expected PathEnd"),
    ("[value pr]", 0, "expected AttrPath"),
];

fn check_errors(
    table: &[(&str, usize, &str)],
    parse: fn(&str) -> Result<String, scimkit_filter::ParseError>,
) {
    let mut failures = Vec::new();
    for (input, offset, want) in table {
        match parse(input) {
            Ok(ok) => failures.push(format!("{input:?}: parsed as {ok}")),
            Err(e) => {
                let got = tag(&e.kind);
                if e.offset != *offset || got != *want {
                    failures.push(format!(
                        "{input:?}: want {want} at {offset}, got {got} at {} ({e})",
                        e.offset
                    ));
                }
                assert!(input.is_char_boundary(e.offset), "{input:?}");
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn filter_errors_name_the_problem_and_its_offset() {
    check_errors(FILTER_ERRORS, |s| parse_filter(s).map(|f| f.to_string()));
}

#[test]
fn path_errors_name_the_problem_and_its_offset() {
    check_errors(PATH_ERRORS, |s| parse_path(s).map(|p| p.to_string()));
}

#[test]
fn limits_are_errors_with_the_limit_in_them() {
    let limits = Limits::default().with_max_len(16).with_max_depth(3);
    let long = limits
        .parse_filter(r#"userName eq "abcdefgh""#)
        .unwrap_err();
    assert_eq!(tag(&long.kind), "long 22>16");
    assert_eq!(long.offset, 16);
    // the offset of a too-long input never splits a character
    let wide = limits.parse_filter("a eq \"xéééééééé\"").unwrap_err();
    assert_eq!(wide.offset, 15);

    assert!(limits.parse_filter("(((a pr)))").is_ok());
    let deep = limits.parse_filter("((((a pr))))").unwrap_err();
    assert_eq!(tag(&deep.kind), "deep 3");
    assert_eq!(deep.offset, 3);

    let deep_not = Limits::default()
        .with_max_depth(2)
        .parse_filter("not (not (not (a pr)))")
        .unwrap_err();
    assert_eq!(tag(&deep_not.kind), "deep 2");
}

#[test]
fn error_messages_are_actionable() {
    let cases = [
        (
            r#"userName equals "bjensen""#,
            r#"invalid filter at offset 9: expected a comparison operator (eq, ne, co, sw, ew, gt, ge, lt, le) or pr, found "equals""#,
        ),
        (
            "not a pr",
            r#"invalid filter at offset 4: expected "(" after not, found "a""#,
        ),
    ];
    for (input, want) in cases {
        assert_eq!(parse_filter(input).unwrap_err().to_string(), want);
    }
    let path = parse_path("name givenName").unwrap_err().to_string();
    assert!(
        path.starts_with("invalid path at offset 5: expected the end of the path"),
        "{path}"
    );
}

#[test]
fn the_table_is_large_enough() {
    let total = FILTERS.len() + PATHS.len() + FILTER_ERRORS.len() + PATH_ERRORS.len();
    assert!(total >= 150, "only {total} cases");
}
