//! Comment topics (issue 36): 100,000 comments tagged by the shipped rules on one core, the
//! target ≤ 2 s, reported beside a reference measured in the same run — folding the same
//! comments (lower case, no diacritics) and nothing else — as a ratio, so the figure means the
//! same on a noisy machine.
//!
//! Usage: `cargo bench --bench topics` (`cargo test --all-targets` runs it once, small).
#![allow(
    clippy::as_conversions,
    clippy::indexing_slicing,
    clippy::print_stdout,
    clippy::expect_used,
    clippy::panic
)]

use std::time::Instant;

use hailong::domain::topics::{fold, Rules, DEFAULT_RULES};

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let n = if full { 100_000 } else { 2_000 };
    let labelled = concat!(
        include_str!("../tests/data/topics-train.tsv"),
        include_str!("../tests/data/topics-heldout.tsv")
    );
    let base: Vec<&str> = labelled
        .lines()
        .filter_map(|l| l.split_once('\t').map(|(c, _)| c))
        .collect();
    let comments: Vec<String> = (0..n)
        .map(|i| {
            format!(
                "{} {}",
                base[i % base.len()],
                base[(i * 7 + 3) % base.len()]
            )
        })
        .collect();
    let rules = Rules::parse(DEFAULT_RULES).expect("the shipped rules");
    let start = Instant::now();
    let folded: usize = comments.iter().map(|c| fold(c).len()).sum();
    let reference = start.elapsed();
    let start = Instant::now();
    let tags: usize = comments.iter().map(|c| rules.tag(c).len()).sum();
    let tagging = start.elapsed();
    println!(
        "topics: {n} comments tagged in {:.3} s ({tags} tags); folding them alone {:.3} s ({folded} bytes); ratio {:.1}",
        tagging.as_secs_f64(),
        reference.as_secs_f64(),
        tagging.as_secs_f64() / reference.as_secs_f64().max(1e-9)
    );
    if full {
        assert!(tagging.as_secs_f64() <= 2.0, "over the 2 s target");
    }
}
