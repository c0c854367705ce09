//! Timing samples and their summary.

use std::time::Duration;

/// The durations of the timed iterations of one operation.
#[derive(Clone, Debug, Default)]
pub struct Samples(pub Vec<Duration>);

impl Samples {
    /// Adds one timed iteration.
    pub fn push(&mut self, elapsed: Duration) {
        self.0.push(elapsed);
    }

    /// The median (the mean of the two middle values for an even count).
    pub fn median(&self) -> Duration {
        let mut sorted = self.0.clone();
        sorted.sort_unstable();
        match sorted.len() {
            0 => Duration::ZERO,
            n if n % 2 == 1 => sorted[n / 2],
            n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2,
        }
    }

    /// The arithmetic mean.
    pub fn mean(&self) -> Duration {
        if self.0.is_empty() {
            return Duration::ZERO;
        }
        self.0.iter().sum::<Duration>() / self.0.len() as u32
    }
}

/// A per-operation count (statements, rows) observed over the timed
/// iterations; `min == max` when every iteration cost the same.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PerOp {
    /// Smallest count seen in one iteration.
    pub min: u64,
    /// Largest count seen in one iteration.
    pub max: u64,
}

impl PerOp {
    /// No observation yet.
    pub const EMPTY: PerOp = PerOp {
        min: u64::MAX,
        max: 0,
    };

    /// Records the count of one iteration.
    pub fn record(&mut self, count: u64) {
        self.min = self.min.min(count);
        self.max = self.max.max(count);
    }
}

impl std::fmt::Display for PerOp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.min > self.max {
            write!(f, "–")
        } else if self.min == self.max {
            write!(f, "{}", self.min)
        } else {
            write!(f, "{}–{}", self.min, self.max)
        }
    }
}

/// A duration for humans: `850 µs`, `12.3 ms`, `1.20 s`.
pub fn format_duration(d: Duration) -> String {
    let micros = d.as_secs_f64() * 1e6;
    if micros < 1_000.0 {
        format!("{micros:.0} µs")
    } else if micros < 10_000.0 {
        format!("{:.2} ms", micros / 1e3)
    } else if micros < 1_000_000.0 {
        format!("{:.1} ms", micros / 1e3)
    } else {
        format!("{:.2} s", micros / 1e6)
    }
}

/// Runs `verso` and `hand_written` one after the other, Verso first on
/// even `turn`s and the baseline first on odd ones, so that neither always
/// follows the other (and inherits its warm caches or its WAL
/// checkpoints). Returns both outcomes, Verso's first.
pub async fn alternate<V, B>(
    turn: usize,
    verso: impl std::future::Future<Output = V>,
    hand_written: impl std::future::Future<Output = B>,
) -> (V, B) {
    if turn.is_multiple_of(2) {
        let v = verso.await;
        (v, hand_written.await)
    } else {
        let b = hand_written.await;
        (verso.await, b)
    }
}
