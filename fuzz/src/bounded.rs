//! The fuzz targets as a plain bounded loop, for a toolchain on which
//! cargo-fuzz cannot build: random inputs from a seeded generator (fresh
//! bytes, and byte-level mutations of the seed files in `seeds/TARGET/`),
//! each run under `catch_unwind`. A panicking input is written to
//! `artifacts/TARGET/` and counted.
//!
//! ```sh
//! cargo run --release --bin bounded -- [TARGET|all] [SECONDS] [SEED]
//! ```

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Duration, Instant};

/// xorshift64*: small, seeded, good enough to make inputs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// One input: fresh random bytes, or a seed with a few bytes changed,
/// inserted or removed.
fn input(rng: &mut Rng, seeds: &[Vec<u8>]) -> Vec<u8> {
    if seeds.is_empty() || rng.below(3) == 0 {
        let len = rng.below(512);
        return (0..len).map(|_| rng.next() as u8).collect();
    }
    let mut data = seeds[rng.below(seeds.len())].clone();
    for _ in 0..=rng.below(8) {
        let at = rng.below(data.len() + 1);
        match rng.below(3) {
            0 if at < data.len() => data[at] = rng.next() as u8,
            1 => data.insert(at, rng.next() as u8),
            _ if at < data.len() => {
                data.remove(at);
            }
            _ => {}
        }
    }
    data
}

fn seeds(target: &str) -> Vec<Vec<u8>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("seeds")
        .join(target);
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .filter_map(|e| std::fs::read(e.ok()?.path()).ok())
        .collect()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let which = args.first().map_or("all", String::as_str);
    let seconds: u64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(60);
    let seed: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(0x5eed);
    // Panics are counted and saved; their messages would flood the output.
    std::panic::set_hook(Box::new(|_| {}));
    let mut crashed = false;
    for (name, target) in verso_fuzz::TARGETS {
        if which != "all" && which != name {
            continue;
        }
        let seeds = seeds(name);
        let mut rng = Rng(seed | 1);
        let (start, budget) = (Instant::now(), Duration::from_secs(seconds));
        let (mut runs, mut crashes) = (0u64, 0u64);
        while start.elapsed() < budget {
            let data = input(&mut rng, &seeds);
            runs += 1;
            if catch_unwind(AssertUnwindSafe(|| target(&data))).is_err() {
                crashes += 1;
                let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("artifacts")
                    .join(name);
                let _ = std::fs::create_dir_all(&dir);
                let _ = std::fs::write(dir.join(format!("crash-{runs}")), &data);
            }
        }
        println!("{name}: {runs} executions in {seconds} s, {crashes} crashes");
        crashed |= crashes > 0;
    }
    if crashed {
        std::process::exit(1);
    }
}
