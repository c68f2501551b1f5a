//! npm's closing line of an install (`added 3 packages, and removed 1 package in 2s`), as
//! npm 11/12's `reify-output.js` words it. utoo runs no audit, so npm's "audited" clause
//! never appears, which settles where npm puts its "and".

use utoo_install::InstallSummary;

/// `added N packages, removed N packages, and changed N packages in <time>`, or
/// `up to date in <time>`.
pub(crate) fn npm_summary(added: u64, removed: u64, changed: u64, total_ms: u64) -> String {
    let mut msg = String::new();
    if added == 0 && removed == 0 && changed == 0 {
        msg.push_str("up to date");
    }
    if added > 0 {
        msg.push_str(&packages("added", added));
    }
    if removed > 0 {
        if added > 0 {
            msg.push_str(", ");
            // npm: the "and" goes before the last clause only.
            if changed == 0 {
                msg.push_str("and ");
            }
        }
        msg.push_str(&packages("removed", removed));
    }
    if changed > 0 {
        if added > 0 || removed > 0 {
            msg.push_str(", and ");
        }
        msg.push_str(&packages("changed", changed));
    }
    msg.push_str(" in ");
    msg.push_str(&ms(total_ms));
    msg
}

/// The summary's line, from what the install did.
pub(crate) fn summary_line(s: &InstallSummary) -> String {
    npm_summary(s.added, s.removed, s.changed, s.timings.total_ms)
}

/// `--verbose`'s second line: where the packages came from and where the time went.
pub(crate) fn breakdown(s: &InstallSummary) -> String {
    let t = &s.timings;
    format!(
        "{} in the tree: {} downloaded, {} from cache; resolve {}ms, fetch+link {}ms, bins {}ms, \
         scripts {}ms",
        s.packages,
        s.downloaded,
        s.cache_hits,
        t.resolve_ms,
        t.fetch_link_ms,
        t.bins_ms,
        t.scripts_ms
    )
}

fn packages(verb: &str, n: u64) -> String {
    format!("{verb} {n} package{}", if n == 1 { "" } else { "s" })
}

/// The `ms` package's short form, which npm prints: `850ms`, `3s`, `2m`, `1h`, `1d`, each
/// rounded half up.
pub(crate) fn ms(total: u64) -> String {
    const UNITS: [(u64, &str); 4] = [
        (86_400_000, "d"),
        (3_600_000, "h"),
        (60_000, "m"),
        (1_000, "s"),
    ];
    for (size, unit) in UNITS {
        if total >= size {
            return format!("{}{unit}", (total + size / 2) / size);
        }
    }
    format!("{total}ms")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_it_as_npm_does_without_audit() {
        let cases = [
            ((0, 0, 0), "up to date in 5ms"),
            ((1, 0, 0), "added 1 package in 5ms"),
            ((812, 0, 0), "added 812 packages in 5ms"),
            ((0, 2, 0), "removed 2 packages in 5ms"),
            ((0, 0, 1), "changed 1 package in 5ms"),
            ((1, 1, 0), "added 1 package, and removed 1 package in 5ms"),
            ((1, 0, 3), "added 1 package, and changed 3 packages in 5ms"),
            ((0, 1, 1), "removed 1 package, and changed 1 package in 5ms"),
            (
                (2, 1, 1),
                "added 2 packages, removed 1 package, and changed 1 package in 5ms",
            ),
        ];
        for ((added, removed, changed), want) in cases {
            assert_eq!(npm_summary(added, removed, changed, 5), want);
        }
    }

    #[test]
    fn times_as_the_ms_package_prints_them() {
        let cases = [
            (0, "0ms"),
            (850, "850ms"),
            (999, "999ms"),
            (1_000, "1s"),
            (1_499, "1s"),
            (1_500, "2s"),
            (3_100, "3s"),
            (59_999, "60s"),
            (60_000, "1m"),
            (150_000, "3m"),
            (3_600_000, "1h"),
            (90_000_000, "1d"),
        ];
        for (total, want) in cases {
            assert_eq!(ms(total), want, "{total}");
        }
    }
}
