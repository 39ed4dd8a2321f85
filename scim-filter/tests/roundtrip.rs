//! Property tests: canonical printing round-trips, and no input makes the parser panic.

use proptest::prelude::*;
use scimkit_filter::{
    parse_filter, parse_path, AttrPath, AttrTest, CompValue, CompareOp, ErrorKind, Filter, Limits,
    Number, PatchPath, SubAttrTest,
};

fn attr_name() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => "[a-zA-Z][a-zA-Z0-9_-]{0,7}",
        1 => Just("$ref".to_owned()),
        // Names that are also keywords of the grammar.
        1 => prop::sample::select(vec!["not", "and", "or", "pr", "eq", "true", "null", "order", "Not"])
            .prop_map(str::to_owned),
    ]
}

fn urn() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("urn:ietf:params:scim:schemas:core:2.0:User".to_owned()),
        Just("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User".to_owned()),
        Just("urn:ietf:params:scim:schemas:core:2.0:Group".to_owned()),
        "urn:[a-z]{1,4}(:[a-zA-Z0-9.-]{1,6}){1,4}",
    ]
}

fn attr_path(with_sub: bool) -> impl Strategy<Value = AttrPath> {
    let sub = if with_sub {
        proptest::option::of(attr_name()).boxed()
    } else {
        Just(None).boxed()
    };
    (proptest::option::weighted(0.2, urn()), attr_name(), sub).prop_map(|(urn, name, sub_attr)| {
        AttrPath {
            urn,
            name,
            sub_attr,
        }
    })
}

fn number() -> impl Strategy<Value = Number> {
    "-?(0|[1-9][0-9]{0,6})(\\.[0-9]{1,4})?([eE][+-]?[0-9]{1,3})?"
        .prop_filter_map("valid JSON number", |s| Number::parse(&s))
}

fn comp_value() -> impl Strategy<Value = CompValue> {
    prop_oneof![
        4 => any::<String>().prop_map(CompValue::String),
        2 => number().prop_map(CompValue::Number),
        1 => any::<bool>().prop_map(CompValue::Bool),
        1 => Just(CompValue::Null),
    ]
}

fn attr_test() -> impl Strategy<Value = AttrTest> {
    prop_oneof![
        1 => Just(AttrTest::Present),
        5 => (prop::sample::select(CompareOp::ALL.to_vec()), comp_value())
            .prop_map(|(op, v)| AttrTest::Compare(op, v)),
    ]
}

fn attr_expr() -> impl Strategy<Value = Filter> {
    (attr_path(true), attr_test()).prop_map(|(path, test)| Filter::Attr { path, test })
}

/// Filters built from `leaf`, with not/and/or nested a few levels.
fn tree(leaf: BoxedStrategy<Filter>) -> BoxedStrategy<Filter> {
    leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            inner.clone().prop_map(|f| Filter::Not(Box::new(f))),
            prop::collection::vec(inner.clone(), 2..4).prop_map(Filter::And),
            prop::collection::vec(inner, 2..4).prop_map(Filter::Or),
        ]
    })
    .boxed()
}

/// A filter allowed inside `[…]`: no value paths.
fn value_filter() -> BoxedStrategy<Filter> {
    tree(attr_expr().boxed())
}

fn value_path() -> impl Strategy<Value = Filter> {
    (
        attr_path(false),
        value_filter(),
        proptest::option::of((attr_name(), attr_test())),
    )
        .prop_map(|(path, filter, sub)| Filter::ValuePath {
            path,
            filter: Box::new(filter),
            sub: sub.map(|(name, test)| SubAttrTest { name, test }),
        })
}

fn filter() -> BoxedStrategy<Filter> {
    tree(prop_oneof![3 => attr_expr(), 1 => value_path()].boxed())
}

fn patch_path() -> impl Strategy<Value = PatchPath> {
    prop_oneof![
        attr_path(true).prop_map(PatchPath::Attr),
        (
            attr_path(false),
            value_filter(),
            proptest::option::of(attr_name())
        )
            .prop_map(|(attr, filter, sub_attr)| PatchPath::Filtered {
                attr,
                filter,
                sub_attr
            }),
    ]
}

/// Edits applied to valid text to make almost-valid input.
#[derive(Debug, Clone)]
enum Mutation {
    Delete(usize),
    Insert(usize, char),
    Replace(usize, char),
    Truncate(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let interesting = prop_oneof![
        prop::sample::select(vec![
            '(', ')', '[', ']', '"', '\\', ' ', '.', ':', '-', 'e', '0'
        ]),
        any::<char>(),
    ];
    prop_oneof![
        any::<usize>().prop_map(Mutation::Delete),
        (any::<usize>(), interesting.clone()).prop_map(|(i, c)| Mutation::Insert(i, c)),
        (any::<usize>(), interesting).prop_map(|(i, c)| Mutation::Replace(i, c)),
        any::<usize>().prop_map(Mutation::Truncate),
    ]
}

fn mutate(text: &str, mutations: &[Mutation]) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for m in mutations {
        let len = chars.len();
        match *m {
            Mutation::Delete(i) if len > 0 => {
                chars.remove(i % len);
            }
            Mutation::Insert(i, c) => chars.insert(i % (len + 1), c),
            Mutation::Replace(i, c) if len > 0 => {
                if let Some(slot) = chars.get_mut(i % len) {
                    *slot = c;
                }
            }
            Mutation::Truncate(i) => chars.truncate(i % (len + 1)),
            _ => {}
        }
    }
    chars.into_iter().collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn printed_filter_parses_back(f in filter()) {
        let text = f.to_string();
        let parsed = parse_filter(&text);
        prop_assert_eq!(parsed.as_ref(), Ok(&f), "text: {}", text);
    }

    #[test]
    fn printed_path_parses_back(p in patch_path()) {
        let text = p.to_string();
        let parsed = parse_path(&text);
        prop_assert_eq!(parsed.as_ref(), Ok(&p), "text: {}", text);
    }

    #[test]
    fn arbitrary_strings_never_panic(s in any::<String>()) {
        let _ = parse_filter(&s);
        let _ = parse_path(&s);
    }

    #[test]
    fn grammar_shaped_noise_never_panics(s in "[a-z\\[\\]() \"\\\\.:$0-9eE+-]{0,80}") {
        check_no_panic_and_roundtrip(&s);
    }

    #[test]
    fn mutated_filters_never_panic(f in filter(), ms in prop::collection::vec(mutation(), 1..4)) {
        check_no_panic_and_roundtrip(&mutate(&f.to_string(), &ms));
    }

    #[test]
    fn mutated_paths_never_panic(p in patch_path(), ms in prop::collection::vec(mutation(), 1..4)) {
        check_no_panic_and_roundtrip(&mutate(&p.to_string(), &ms));
    }

    #[test]
    fn error_offsets_are_inside_the_input(s in any::<String>()) {
        if let Err(e) = parse_filter(&s) {
            prop_assert!(e.offset <= s.len());
            prop_assert!(s.is_char_boundary(e.offset), "offset {} splits a character", e.offset);
        }
        if let Err(e) = parse_path(&s) {
            prop_assert!(e.offset <= s.len());
            prop_assert!(s.is_char_boundary(e.offset));
        }
    }
}

/// Whatever parses must print to text that parses to the same AST, and printing is a fixpoint.
fn check_no_panic_and_roundtrip(s: &str) {
    if let Ok(f) = parse_filter(s) {
        let printed = f.to_string();
        assert_eq!(
            parse_filter(&printed),
            Ok(f),
            "input {s:?} printed {printed:?}"
        );
    }
    if let Ok(p) = parse_path(s) {
        let printed = p.to_string();
        assert_eq!(
            parse_path(&printed),
            Ok(p),
            "input {s:?} printed {printed:?}"
        );
    }
}

/// Filters as clients write them: parse → print → parse gives the same AST, and the canonical
/// text is a fixpoint of printing.
const CORPUS: &[&str] = &[
    r#"userName Eq "john""#,
    r#"name.familyName co "O'Malley""#,
    r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J""#,
    r#"meta.lastModified gt "2011-05-13T04:42:34Z""#,
    r#"title pr and userType eq "Employee""#,
    r#"title pr or userType eq "Intern""#,
    r#"userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")"#,
    r#"userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")"#,
    r#"userType eq "Employee" and emails[type eq "work" and value co "@example.com"]"#,
    r#"emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]"#,
    r#"id eq "9f3c" and members[value eq "u1"]"#,
    r#"emails[type eq "work"].value eq "ann@contoso.com""#,
    "a pr and (b pr and c pr) or not (d pr or (e pr or f pr))",
    "  ( ( x gt 1.5e3 ) )  ",
    r#"x eq "\u00e9\ud83d\ude00\n\t\"\\\/""#,
    "a EQ TRUE or b NE null and c lt -0.5",
];

#[test]
fn corpus_round_trips() {
    for text in CORPUS {
        let first = parse_filter(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        let printed = first.to_string();
        let second = parse_filter(&printed).unwrap_or_else(|e| panic!("{printed}: {e}"));
        assert_eq!(first, second, "{text}");
        assert_eq!(
            second.to_string(),
            printed,
            "printing is not a fixpoint for {text}"
        );
    }
}

#[test]
fn extreme_nesting_is_an_error_not_a_stack_overflow() {
    let unbounded_len = Limits::default().with_max_len(usize::MAX);
    let err = unbounded_len
        .parse_filter(&"a[".repeat(100_000))
        .expect_err("must fail");
    assert_eq!((err.kind, err.offset), (ErrorKind::NestedValueFilter, 3));
    for open in ["(", "not (", "not((", "NOT (\t"] {
        let text = open.repeat(100_000);
        let err = unbounded_len.parse_filter(&text).expect_err("must fail");
        assert_eq!(
            err.kind,
            ErrorKind::TooDeep {
                limit: Limits::DEFAULT_MAX_DEPTH
            },
            "{open}"
        );
    }
    let inside_value_filter = format!("x[{}", "(".repeat(100_000));
    let err = unbounded_len
        .parse_filter(&inside_value_filter)
        .expect_err("must fail");
    assert_eq!(
        err.kind,
        ErrorKind::TooDeep {
            limit: Limits::DEFAULT_MAX_DEPTH
        }
    );
    // Even with the length limit lifted and the depth limit raised as far as it goes.
    let limits = Limits::default()
        .with_max_len(usize::MAX)
        .with_max_depth(usize::MAX);
    let text = format!("{}a pr{}", "(".repeat(200_000), ")".repeat(200_000));
    let err = limits.parse_filter(&text).expect_err("must fail");
    assert_eq!(
        err.kind,
        ErrorKind::TooDeep {
            limit: Limits::MAX_SUPPORTED_DEPTH
        }
    );
    // The deepest tree allowed can be parsed, printed and dropped on a test thread's stack.
    let depth = Limits::MAX_SUPPORTED_DEPTH;
    let within = format!("{}a pr{}", "not (".repeat(depth), ")".repeat(depth));
    let deep = limits.parse_filter(&within).expect("within the limit");
    assert_eq!(deep.to_string(), within);
    drop(deep);
}

#[test]
fn long_chains_are_flat_not_deep() {
    // ~120 KiB of `or` clauses: parses (chains cost no depth) into one n-ary node.
    let clause = r#"userName eq "user00000""#;
    let text = vec![clause; 4_800].join(" or ");
    assert!(text.len() < Limits::DEFAULT_MAX_LEN);
    match parse_filter(&text) {
        Ok(Filter::Or(operands)) => assert_eq!(operands.len(), 4_800),
        other => panic!("unexpected: {other:?}"),
    }
    // Past the length limit: a precise error, not work.
    let too_long = vec![clause; 6_000].join(" or ");
    let err = parse_filter(&too_long).expect_err("must fail");
    assert_eq!(
        err.kind,
        ErrorKind::TooLong {
            len: too_long.len(),
            limit: Limits::DEFAULT_MAX_LEN
        }
    );
}
