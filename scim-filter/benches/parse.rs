//! Parser benchmarks: the filters identity providers actually send, a PATCH path, linear scaling
//! with the input length, and canonical printing.
//!
//! `cargo bench -p scimkit-filter`; measurement times are kept short so the whole run takes about
//! two minutes on a 2-core machine.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use scimkit_filter::{parse_filter, parse_path, Filter};

/// The lookup an identity provider makes before every create.
const LOOKUP: &str = r#"userName eq "bjensen@example.com""#;

/// Ten attribute clauses mixing `and`, `or`, `not` and parentheses.
const TEN_CLAUSES: &str = r#"userType eq "Employee" and (title pr or emails.value co "@example.com") and not (active eq false) and (meta.lastModified gt "2011-05-13T04:42:34Z" or name.familyName sw "J") and (userName ew "example.com" or displayName co "Jensen" or nickName ne "Babs") and urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber ge 1000"#;

/// Two value paths with compound value filters.
const VALUE_PATHS: &str = r#"emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]"#;

/// A PATCH path selecting one group member.
const PATCH_PATH: &str = r#"members[value eq "2819c223-7f76-453a-919d-413861904646"]"#;

/// A filter of about `target` bytes (never more) made of `userName eq "userN"` clauses joined
/// alternately by `or` and `and`.
fn long_filter(target: usize) -> String {
    let mut out = String::from(r#"userName eq "user0""#);
    for n in 1.. {
        let sep = if n % 2 == 1 { " or " } else { " and " };
        let clause = format!(r#"{sep}userName eq "user{n}""#);
        if out.len() + clause.len() > target {
            break;
        }
        out.push_str(&clause);
    }
    out
}

/// Parses a filter the benchmarks rely on; a failure here is a bug in the benchmark itself.
#[allow(clippy::expect_used)]
fn parsed(input: &str) -> Filter {
    parse_filter(input).expect("benchmark input must parse")
}

fn small_inputs(c: &mut Criterion) {
    // Guard against benchmarking the error path.
    for input in [LOOKUP, TEN_CLAUSES, VALUE_PATHS] {
        parsed(input);
    }
    assert!(parse_path(PATCH_PATH).is_ok(), "PATCH path must parse");

    c.bench_function("parse_filter/lookup", |b| {
        b.iter(|| parse_filter(black_box(LOOKUP)));
    });
    c.bench_function("parse_filter/ten_clauses", |b| {
        b.iter(|| parse_filter(black_box(TEN_CLAUSES)));
    });
    c.bench_function("parse_filter/value_paths", |b| {
        b.iter(|| parse_filter(black_box(VALUE_PATHS)));
    });
    c.bench_function("parse_path/members_value", |b| {
        b.iter(|| parse_path(black_box(PATCH_PATH)));
    });
}

fn linear(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse_filter/linear");
    for kib in [1_usize, 8, 64] {
        let input = long_filter(kib * 1024);
        parsed(&input);
        group.throughput(Throughput::Bytes(input.len() as u64));
        group.bench_with_input(
            BenchmarkId::from_parameter(format!("{kib}KiB")),
            &input,
            |b, input| {
                b.iter(|| parse_filter(black_box(input)));
            },
        );
    }
    group.finish();
}

fn display(c: &mut Criterion) {
    let ten = parsed(TEN_CLAUSES);
    c.bench_function("display/ten_clauses", |b| {
        b.iter(|| black_box(&ten).to_string());
    });
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
}

criterion_group! {
    name = benches;
    config = config();
    targets = small_inputs, linear, display
}
criterion_main!(benches);
