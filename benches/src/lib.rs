//! AfterResume benchmarks live in `benches/`; they print figures and are never timed
//! tests. Run with `cargo bench -p afterresume-benches`.

pub mod breakdown;
pub mod devset;
pub mod latency_window;
pub mod skillspan;
