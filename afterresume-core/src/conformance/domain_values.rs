//! A property test of the rule that a store never accepts what it cannot read back:
//! arbitrary text and JSON (extreme and subnormal floats, the integer extremes,
//! deep nesting, NUL, characters of every Unicode plane) either round-trip with
//! their value or are refused as invalid input with nothing written.
//!
//! The generator is a seeded SplitMix64, so a failure names a seed and case that
//! reproduce it on every run.

use std::future::Future;

use serde_json::{Map, Number, Value, json};

use super::t0;
use crate::ErrorKind;
use crate::domain::*;
use crate::ports::SharedDomainStore;

/// Cases per scenario run.
const CASES: u64 = 160;

/// SplitMix64: small, seedable and good enough to spread cases.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn chance(&mut self, one_in: u64) -> bool {
        self.below(one_in) == 0
    }

    /// A character from any of the 17 planes (never a surrogate), sometimes NUL or
    /// another control character.
    fn char(&mut self) -> char {
        if self.chance(60) {
            return '\0';
        }
        let code = match self.below(6) {
            0 => 0x20 + self.below(0x5F) as u32,
            1 => self.below(0x20) as u32 | 1,
            2 => [0xFFFD, 0xFFFE, 0xFFFF, 0xFEFF, 0x200B, 0x0301][self.below(6) as usize],
            3 => 0x80 + self.below(0xFF80) as u32,
            _ => {
                let plane = self.below(17) as u32;
                (plane << 16) | self.below(0x1_0000) as u32
            }
        };
        char::from_u32(code).unwrap_or('\u{1F600}')
    }

    fn string(&mut self, max_chars: u64) -> String {
        (0..self.below(max_chars + 1))
            .map(|_| self.char())
            .collect()
    }

    fn number(&mut self) -> Value {
        let float = |f: f64| Value::Number(Number::from_f64(f).expect("finite"));
        match self.below(14) {
            0 => float(f64::MAX),
            1 => float(f64::MIN),
            2 => float(f64::MIN_POSITIVE),
            3 => float(5e-324),
            4 => float(-0.0),
            5 => float(1e16),
            6 => float(0.1),
            7 => json!(i64::MIN),
            8 => json!(u64::MAX),
            9 => json!(i64::MAX),
            10 => float(1.7976931348623157e308),
            _ => {
                let f = f64::from_bits(self.next());
                if f.is_finite() {
                    float(f)
                } else {
                    float(1e300)
                }
            }
        }
    }

    fn json(&mut self, depth: u32) -> Value {
        match if depth == 0 {
            self.below(4)
        } else {
            self.below(6)
        } {
            0 => Value::Null,
            1 => Value::Bool(self.chance(2)),
            2 => self.number(),
            3 => Value::String(self.string(12)),
            4 => (0..self.below(4)).map(|_| self.json(depth - 1)).collect(),
            _ => Value::Object(self.object(depth - 1)),
        }
    }

    fn object(&mut self, depth: u32) -> Map<String, Value> {
        (0..self.below(5))
            .map(|_| (self.string(8), self.json(depth)))
            .collect()
    }

    /// A metadata object: usually a few levels deep, sometimes nested past what
    /// stores accept.
    fn metadata(&mut self) -> Value {
        if self.chance(8) {
            let mut value = self.number();
            for _ in 0..(40 + self.below(40)) {
                value = json!({ "k": value });
            }
            return value;
        }
        Value::Object(self.object(3))
    }
}

/// Whether two JSON values are the same document: numbers compare by value (JSON
/// has one number type, and a float such as `1e16` may read back as an integer).
fn same_json(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(x), Some(y)) => x == y,
            _ => match (x.as_u64(), y.as_u64()) {
                (Some(x), Some(y)) => x == y,
                _ => x.as_f64() == y.as_f64(),
            },
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_json(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_json(v, w)))
        }
        _ => a == b,
    }
}

fn same_worklog(a: &WorkLog, b: &WorkLog) -> bool {
    a.id == b.id
        && a.date == b.date
        && a.content == b.content
        && a.title == b.title
        && a.tags == b.tags
        && a.source == b.source
        && same_json(&a.metadata, &b.metadata)
        && match (&a.analysis, &b.analysis) {
            (Some(x), Some(y)) => same_json(x, y),
            (x, y) => x.is_none() && y.is_none(),
        }
}

async fn stored(store: &SharedDomainStore, user: UserId) -> Vec<WorkLog> {
    store
        .list_worklogs(&WorkLogFilter {
            user_id: Some(user),
            limit: 1000,
            ..Default::default()
        })
        .await
        .expect("a list never fails on what the store accepted")
}

fn assert_refused(result: &crate::Result<WorkLog>, case: u64, what: &str) {
    let err = result.as_ref().expect_err("checked above");
    assert_eq!(
        err.kind(),
        ErrorKind::InvalidInput,
        "case {case}: {what} failed with {err} instead of invalid input"
    );
}

/// Text and JSON of every shape either round-trip through create, patch and
/// analysis writes — read back by id and in a list with their value — or are
/// refused as invalid input and change nothing.
pub async fn stored_values_round_trip_or_are_refused<F, Fut>(make: &F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = SharedDomainStore>,
{
    let store = make().await;
    let owner = super::domain_store::user(&store, "prop").await.id;
    let mut rng = Rng(0xA17E_2E5C);
    let (mut accepted, mut refused) = (0, 0);
    for case in 0..CASES {
        let before = stored(&store, owner).await;
        let mut new = NewWorkLog::new(owner, t0().date_naive(), format!("x{}", rng.string(30)));
        new.title = rng.chance(2).then(|| rng.string(20));
        new.tags = (0..rng.below(3))
            .map(|_| format!("t{}", rng.string(10)))
            .collect();
        new.metadata = rng.metadata();
        let created = store.create_worklog(new.clone(), t0()).await;
        let Ok(created) = created else {
            assert_refused(&created, case, "create");
            assert!(
                new.validate().is_err(),
                "case {case}: refused what the core accepts"
            );
            assert_eq!(stored(&store, owner).await, before, "case {case}");
            refused += 1;
            continue;
        };
        accepted += 1;
        assert!(
            same_json(&created.metadata, &new.metadata)
                && created.content == new.content
                && created.title == new.title
                && created.tags == new.tags,
            "case {case}: the create answered another value"
        );
        let by_id = store.get_worklog(created.id).await.unwrap();
        assert!(same_worklog(&by_id, &created), "case {case}: by id");
        let listed = stored(&store, owner).await;
        let in_list = listed.iter().find(|w| w.id == created.id).unwrap();
        assert!(same_worklog(in_list, &created), "case {case}: in a list");

        let patch = WorkLogPatch {
            content: Some(format!("y{}", rng.string(30))),
            metadata: Some(rng.metadata()),
            ..Default::default()
        };
        let patched = store.update_worklog(created.id, patch.clone(), t0()).await;
        match &patched {
            Ok(w) => {
                assert!(same_json(&w.metadata, patch.metadata.as_ref().unwrap()));
                assert!(same_worklog(&store.get_worklog(w.id).await.unwrap(), w));
            }
            Err(_) => {
                assert_refused(&patched, case, "patch");
                assert!(same_worklog(
                    &store.get_worklog(created.id).await.unwrap(),
                    &by_id
                ));
            }
        }
        let current = store.get_worklog(created.id).await.unwrap();
        let analysis = json!({ "skills": [rng.json(3)], "summary": rng.string(20) });
        let analyzed = store
            .replace_worklog_analysis(created.id, analysis.clone(), &[], t0())
            .await;
        match &analyzed {
            Ok(w) => assert!(same_json(
                w.analysis.as_ref().unwrap(),
                &store.get_worklog(w.id).await.unwrap().analysis.unwrap()
            )),
            Err(_) => {
                assert_refused(&analyzed, case, "analysis");
                assert!(same_worklog(
                    &store.get_worklog(created.id).await.unwrap(),
                    &current
                ));
            }
        }
    }
    assert!(
        accepted > CASES / 4 && refused > CASES / 10,
        "the generator should exercise both outcomes: {accepted} accepted, {refused} refused"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_compare_by_value() {
        assert!(same_json(&json!(1e16), &json!(10_000_000_000_000_000_u64)));
        assert!(!same_json(&json!(1), &json!(2)));
        assert!(same_json(&json!({"a": [0.5]}), &json!({"a": [0.5]})));
        assert!(!same_json(&json!({"a": 1}), &json!({"b": 1})));
    }
}
