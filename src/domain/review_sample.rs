//! 抽查 — the bureau's spot-check sample of a year's self-evaluations, drawn so that anyone can
//! draw it again: stratified by unit kind (单位性质) and grade (自评等级), a seed given or
//! drawn, a size or a share per stratum. The same seed and the same population give the same
//! list, on any machine and in any later version of the service, because every step is fixed
//! here:
//!
//! - the strata are ordered by unit kind (in the order [`UnitKind::ALL`] declares), then by
//!   grade (优, 良, 中, 差, then ungraded); within a stratum the units are ordered by code;
//! - one ChaCha20 keystream (RFC 8439's block function, nonce 0, from its first block) is keyed
//!   by the seed: its 8 bytes little-endian, then 24 zero bytes; each draw takes the next
//!   64-bit word (two 32-bit words, low first);
//! - from each stratum in turn, `k` units are drawn by a partial Fisher–Yates shuffle: for
//!   `i` in `0..k`, swap unit `i` with unit `i + u(n − i)`, where `u(b)` is the next word
//!   modulo `b`, a word at or above the largest multiple of `b` that fits in 64 bits being
//!   skipped (so that no unit is likelier than another); the drawn are the first `k`, in the
//!   order drawn.

use chacha20::ChaCha20Rng;
use chacha20::rand_core::{Rng, SeedableRng};
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::department::UnitKind;
use super::report::Grade;
use super::values::{FiscalYear, Label, UnitCode};
use super::{FieldError, Invalid};

/// The largest seed: the largest integer a JSON number carries exactly (2^53 − 1).
pub const MAX_SEED: u64 = (1 << 53) - 1;
/// The most units drawn from one stratum by `size`.
pub const MAX_SIZE: u32 = 10_000;

/// What the bureau asks for: a seed (drawn when left out), and either `size` units or
/// `percent` % (rounded up) of each stratum.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SampleRequest {
    /// The seed, 0 to 2^53 − 1; left out, the service draws one and records it.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 9_007_199_254_740_991_u64)]
    pub seed: Option<u64>,
    /// Units drawn from each stratum (all of a smaller one), 1 to 10,000. Give this or
    /// `percent`.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 10_000)]
    pub size: Option<u32>,
    /// The share of each stratum drawn, in percent (1 to 100), rounded up to whole units: a
    /// stratum of 7 at 20 % gives 2. Give this or `size`.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 100)]
    pub percent: Option<u32>,
    /// 抽查说明 — what the sample is for.
    #[serde(default)]
    pub comment: Option<Label>,
}

/// How many units each stratum gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PerStratum {
    /// This many units (all of a smaller stratum).
    Size(u32),
    /// This share in percent, rounded up.
    Percent(u32),
}

impl PerStratum {
    /// How many of `n` units are drawn.
    pub fn of(self, n: usize) -> usize {
        match self {
            Self::Size(size) => n.min(size as usize),
            Self::Percent(percent) => (n * percent as usize).div_ceil(100),
        }
    }
}

impl SampleRequest {
    /// The rule it asks for, or why it is not a request: exactly one of `size` and `percent`,
    /// each within its bounds, and a seed within its own.
    pub fn rule(&self) -> Result<PerStratum, Vec<FieldError>> {
        let mut errors = Vec::new();
        if self.seed.is_some_and(|seed| seed > MAX_SEED) {
            errors.push(FieldError::new(
                "seed",
                Invalid::OutOfRange {
                    value: self.seed.map(|seed| seed.to_string()),
                    min: Some("0".to_owned()),
                    max: Some(MAX_SEED.to_string()),
                },
            ));
        }
        if self
            .size
            .is_some_and(|size| !(1..=MAX_SIZE).contains(&size))
        {
            errors.push(FieldError::new(
                "size",
                Invalid::OutOfRange {
                    value: self.size.map(|size| size.to_string()),
                    min: Some("1".to_owned()),
                    max: Some(MAX_SIZE.to_string()),
                },
            ));
        }
        if self.percent.is_some_and(|p| !(1..=100).contains(&p)) {
            errors.push(FieldError::new(
                "percent",
                Invalid::OutOfRange {
                    value: self.percent.map(|p| p.to_string()),
                    min: Some("1".to_owned()),
                    max: Some("100".to_owned()),
                },
            ));
        }
        let rule = match (self.size, self.percent) {
            (Some(size), None) => Some(PerStratum::Size(size)),
            (None, Some(percent)) => Some(PerStratum::Percent(percent)),
            (Some(_), Some(_)) => {
                // One rule per sample: a size, or a share of each stratum.
                errors.push(FieldError::new("percent", Invalid::NotAllowed));
                None
            }
            (None, None) => {
                errors.push(FieldError::new("size", Invalid::Required));
                None
            }
        };
        match rule {
            Some(rule) if errors.is_empty() => Ok(rule),
            _ => Err(errors),
        }
    }
}

/// A unit of the population: its code, kind and grade.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub department_code: UnitCode,
    pub kind: UnitKind,
    /// The grade of its self-evaluation as scored; `None` where the score is incomplete.
    pub grade: Option<Grade>,
}

/// One stratum: its units and those drawn.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Stratum {
    pub kind: UnitKind,
    /// The grade; `null` for the units whose score is incomplete.
    pub grade: Option<Grade>,
    /// Every unit of the stratum, by code.
    pub population: Vec<UnitCode>,
    /// The units drawn, in the order drawn.
    pub drawn: Vec<UnitCode>,
}

/// What a sample records besides its number, seed and who drew it: enough to draw it again
/// and to see that the population is the same.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Drawing {
    /// Whether the bureau gave the seed (`false`: the service drew it).
    pub seed_given: bool,
    pub per_stratum: PerStratum,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<Label>,
    /// Every stratum, in the order drawn, with its units and the drawn.
    pub strata: Vec<Stratum>,
}

/// A recorded sample (抽查样本) of a year: numbered within the year, never changed.
#[derive(Debug, Clone)]
pub struct Sample {
    pub year: FiscalYear,
    /// 1 for the year's first sample, and so on.
    pub number: i64,
    pub seed: u64,
    pub drawing: Drawing,
    pub drawn_by: String,
    pub drawn_at: NaiveDateTime,
}

/// The order strata are drawn in: by kind as declared, then 优 良 中 差, then ungraded.
fn rank(kind: UnitKind, grade: Option<Grade>) -> (usize, usize) {
    fn position<T: PartialEq>(all: &[T], x: T) -> usize {
        all.iter().position(|y| *y == x).unwrap_or(all.len())
    }
    (
        position(&UnitKind::ALL, kind),
        grade.map_or(Grade::ALL.len(), |g| position(&Grade::ALL, g)),
    )
}

/// The ChaCha20 stream keyed by `seed`, as the module's documentation fixes it.
struct Stream(ChaCha20Rng);

impl Stream {
    fn new(seed: u64) -> Self {
        let mut key = [0u8; 32];
        key[..8].copy_from_slice(&seed.to_le_bytes());
        Self(ChaCha20Rng::from_seed(key))
    }

    /// A number below `bound` (at least 1), every one as likely as another.
    fn below(&mut self, bound: u64) -> u64 {
        let limit = u64::MAX - u64::MAX % bound;
        loop {
            let word = self.0.next_u64();
            if word < limit {
                return word % bound;
            }
        }
    }
}

/// Draws the sample of `population` by `rule` from the stream of `seed`: every stratum, in
/// order, with its units and the drawn.
pub fn draw(seed: u64, rule: PerStratum, population: &[Candidate]) -> Vec<Stratum> {
    let mut strata: Vec<Stratum> = Vec::new();
    let mut sorted: Vec<&Candidate> = population.iter().collect();
    sorted.sort_by(|a, b| {
        rank(a.kind, a.grade)
            .cmp(&rank(b.kind, b.grade))
            .then_with(|| a.department_code.cmp(&b.department_code))
    });
    for candidate in sorted {
        match strata.last_mut() {
            Some(last) if last.kind == candidate.kind && last.grade == candidate.grade => {
                last.population.push(candidate.department_code.clone());
            }
            _ => strata.push(Stratum {
                kind: candidate.kind,
                grade: candidate.grade,
                population: vec![candidate.department_code.clone()],
                drawn: Vec::new(),
            }),
        }
    }
    let mut stream = Stream::new(seed);
    for stratum in &mut strata {
        let mut units = stratum.population.clone();
        let n = units.len();
        let k = rule.of(n);
        for i in 0..k {
            let j = i + usize::try_from(stream.below((n - i) as u64)).unwrap_or(0);
            units.swap(i, j);
        }
        units.truncate(k);
        stratum.drawn = units;
    }
    strata
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(code: &str, kind: UnitKind, grade: Option<Grade>) -> Candidate {
        Candidate {
            department_code: code.parse().unwrap_or_else(|e| panic!("{e}")),
            kind,
            grade,
        }
    }

    /// 30 administrative units graded 优 (codes 100–129), 10 graded 良 (200–209), 5 public
    /// institutions graded 优 (300–304) and 3 ungraded (400–402), given out of order.
    fn population() -> Vec<Candidate> {
        let mut all = Vec::new();
        for i in 0..30 {
            all.push(unit(
                &format!("{}", 100 + i),
                UnitKind::Administrative,
                Some(Grade::Excellent),
            ));
        }
        for i in 0..10 {
            all.push(unit(
                &format!("{}", 200 + i),
                UnitKind::Administrative,
                Some(Grade::Good),
            ));
        }
        for i in 0..5 {
            all.push(unit(
                &format!("{}", 300 + i),
                UnitKind::PublicInstitution,
                Some(Grade::Excellent),
            ));
        }
        for i in 0..3 {
            all.push(unit(
                &format!("{}", 400 + i),
                UnitKind::Administrative,
                None,
            ));
        }
        all.reverse();
        all
    }

    fn drawn(strata: &[Stratum]) -> Vec<&str> {
        strata
            .iter()
            .flat_map(|s| s.drawn.iter().map(UnitCode::as_str))
            .collect()
    }

    #[test]
    fn the_same_seed_and_population_draw_the_same_list_in_any_order_given() {
        let mut shuffled = population();
        shuffled.rotate_left(17);
        let once = draw(20_261_207, PerStratum::Size(3), &population());
        assert_eq!(once, draw(20_261_207, PerStratum::Size(3), &shuffled));
        // The list a seed gives is fixed: a change of the generator or the shuffle would
        // change it, and every sample recorded before could no longer be drawn again. This
        // list was also worked out apart from this code, by the steps the module's
        // documentation states (the RFC 8439 block function written out anew).
        assert_eq!(
            drawn(&once),
            [
                "112", "102", "126", "208", "204", "201", "401", "400", "402", "301", "304", "302"
            ]
        );
        assert_ne!(
            drawn(&once),
            drawn(&draw(20_261_208, PerStratum::Size(3), &population()))
        );
    }

    #[test]
    fn each_stratum_of_kind_and_grade_gives_its_share_rounded_up() {
        let strata = draw(7, PerStratum::Percent(20), &population());
        let shape: Vec<(UnitKind, Option<Grade>, usize, usize)> = strata
            .iter()
            .map(|s| (s.kind, s.grade, s.population.len(), s.drawn.len()))
            .collect();
        assert_eq!(
            shape,
            [
                (UnitKind::Administrative, Some(Grade::Excellent), 30, 6),
                (UnitKind::Administrative, Some(Grade::Good), 10, 2),
                (UnitKind::Administrative, None, 3, 1),
                (UnitKind::PublicInstitution, Some(Grade::Excellent), 5, 1),
            ]
        );
        for stratum in &strata {
            assert!(stratum.drawn.iter().all(|d| stratum.population.contains(d)));
            let mut distinct = stratum.drawn.clone();
            distinct.sort();
            distinct.dedup();
            assert_eq!(distinct.len(), stratum.drawn.len());
        }
        let all = draw(7, PerStratum::Size(50), &population());
        assert!(all.iter().all(|s| s.drawn.len() == s.population.len()));
    }

    #[test]
    fn every_unit_of_a_stratum_is_about_as_likely_to_be_drawn() {
        let stratum: Vec<Candidate> = (0..10)
            .map(|i| unit(&format!("{}", 500 + i), UnitKind::Other, None))
            .collect();
        let mut counts = [0u32; 10];
        for seed in 0..2000 {
            for code in &draw(seed, PerStratum::Size(3), &stratum)[0].drawn {
                let i: usize = code.as_str()[1..].parse().unwrap_or_else(|e| panic!("{e}"));
                counts[i] += 1;
            }
        }
        // 600 expected each; four standard deviations (about 20.5 each) either side.
        assert!(counts.iter().all(|c| (518..=682).contains(c)), "{counts:?}");
    }

    #[test]
    fn a_request_gives_exactly_one_of_size_and_share_within_bounds() {
        let paths = |request: SampleRequest| {
            request
                .rule()
                .err()
                .unwrap_or_default()
                .into_iter()
                .map(|e| e.path)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            SampleRequest {
                percent: Some(20),
                ..SampleRequest::default()
            }
            .rule(),
            Ok(PerStratum::Percent(20))
        );
        assert_eq!(paths(SampleRequest::default()), ["size"]);
        assert_eq!(
            paths(SampleRequest {
                seed: Some(MAX_SEED + 1),
                size: Some(2),
                percent: Some(101),
                comment: None,
            }),
            ["seed", "percent", "percent"]
        );
    }
}
