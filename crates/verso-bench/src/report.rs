//! The results table.

use crate::measure::{format_duration, PerOp, Samples};

/// One operation measured on one backend at one size, Verso against the
/// hand-written baseline.
#[derive(Clone, Debug)]
pub struct Measurement {
    /// `"SQLite"` or `"PostgreSQL"`.
    pub backend: &'static str,
    /// Messages in the thread.
    pub n: usize,
    /// What was measured, e.g. `"commit one edited message"`.
    pub operation: &'static str,
    /// Verso's timings.
    pub verso: Samples,
    /// The baseline's timings.
    pub baseline: Samples,
    /// Verso's statements per operation.
    pub verso_statements: PerOp,
    /// The baseline's statements per operation.
    pub baseline_statements: PerOp,
    /// Rows written per operation by Verso and by the baseline (`None` for
    /// reads).
    pub rows_written: Option<(PerOp, PerOp)>,
}

impl Measurement {
    /// Verso's median time over the baseline's.
    pub fn ratio(&self) -> f64 {
        self.verso.median().as_secs_f64() / self.baseline.median().as_secs_f64()
    }
}

/// The results as one markdown table. Times are `median (mean)` over the
/// timed iterations; the ratio compares medians.
pub fn markdown_table(rows: &[Measurement]) -> String {
    let mut out = String::from(
        "| backend | N | operation | iterations | Verso time/op, median (mean) | \
         baseline time/op, median (mean) | Verso / baseline | Verso statements/op | \
         baseline statements/op | rows written/commit |\n\
         |---|---:|---|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for m in rows {
        let rows_written = match m.rows_written {
            None => "–".to_string(),
            Some((verso, baseline)) if verso == baseline => verso.to_string(),
            Some((verso, baseline)) => format!("{verso} (baseline {baseline})"),
        };
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} ({}) | {} ({}) | {:.2}× | {} | {} | {} |\n",
            m.backend,
            thousands(m.n),
            m.operation,
            m.verso.0.len(),
            format_duration(m.verso.median()),
            format_duration(m.verso.mean()),
            format_duration(m.baseline.median()),
            format_duration(m.baseline.mean()),
            m.ratio(),
            m.verso_statements,
            m.baseline_statements,
            rows_written,
        ));
    }
    out
}

/// `10000` as `10,000`.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
