//! Which snapshots to keep: the pruning policy that bounds the cost of an
//! `as_of` read while the disk cost stays about linear in the log.
//!
//! With snapshots every K events and `keep_recent` = D > 0, a snapshot whose
//! age (the latest snapshot's position minus its own) is A·K, A whole, is kept
//! when A < D, or else when its position / K is a multiple of 2^j with
//! j = ⌊log2(A / D)⌋ + 1. So the D most recent snapshots are kept, and older
//! ones are thinned by half at each doubling of age: D/2 per level, about
//! D + D/2 · log2(N / (D·K)) snapshots for a log of N events. The rule only
//! gets stricter with age, so pruning after each snapshot and pruning once
//! give the same set.
//!
//! Bound (checked by the tests below): an `as_of` cut at position c, with
//! the latest snapshot at L, replays at most max(K, 2·(L − c) / (D − 2))
//! events for D ≥ 4 — K for cuts among the recent snapshots, a third of
//! their age for D = 8. D = 0 keeps every snapshot: every cut replays at most
//! K events, and the disk holds N / K snapshots of average size N / 2.

/// The subset of `positions` (ascending) that the policy keeps.
pub fn retained(positions: &[u64], every: u64, keep_recent: usize) -> Vec<u64> {
    let Some(&latest) = positions.last() else {
        return Vec::new();
    };
    if keep_recent == 0 || every == 0 {
        return positions.to_vec();
    }
    let dense = keep_recent as u64;
    positions
        .iter()
        .copied()
        .filter(|&p| {
            let age = (latest - p) / every;
            if age < dense {
                return true;
            }
            let level = (age / dense).ilog2() + 1;
            (p / every).is_multiple_of(1u64 << level.min(63))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The most events a cut replays from the nearest kept snapshot before it.
    fn worst_replay(kept: &[u64], latest: u64, every: u64, dense: u64) -> bool {
        (0..=latest).all(|cut| {
            let from = kept.iter().rev().find(|&&p| p <= cut).copied().unwrap_or(0);
            let bound = every.max(2 * (latest - cut) / (dense - 2));
            cut - from <= bound
        })
    }

    #[test]
    fn the_recent_snapshots_are_all_kept() {
        let positions: Vec<u64> = (1..=20).map(|m| m * 100).collect();

        let kept = retained(&positions, 100, 8);

        assert!(kept.ends_with(&positions[12..]));
    }

    #[test]
    fn keeping_zero_recent_keeps_every_snapshot() {
        let positions: Vec<u64> = (1..=50).map(|m| m * 10).collect();

        assert_eq!(retained(&positions, 10, 0), positions);
    }

    #[test]
    fn the_replay_of_any_cut_stays_within_the_documented_bound() {
        for dense in [4u64, 8, 16] {
            for count in [1u64, 7, 64, 500, 3_000] {
                let positions: Vec<u64> = (1..=count).map(|m| m * 10).collect();
                let kept = retained(&positions, 10, dense as usize);
                assert!(
                    worst_replay(&kept, count * 10, 10, dense),
                    "dense {dense}, {count} snapshots"
                );
            }
        }
    }

    #[test]
    fn the_number_kept_grows_logarithmically() {
        let positions: Vec<u64> = (1..=100_000).collect();

        let kept = retained(&positions, 1, 8);

        // 8 + 8/2 · log2(100_000 / 8) ≈ 63
        assert!(kept.len() <= 70, "{} kept", kept.len());
    }

    #[test]
    fn pruning_step_by_step_keeps_what_pruning_once_keeps() {
        let mut kept = Vec::new();
        for m in 1..=1_000u64 {
            kept.push(m * 5);
            kept = retained(&kept, 5, 8);
        }
        let all: Vec<u64> = (1..=1_000).map(|m| m * 5).collect();

        assert_eq!(kept, retained(&all, 5, 8));
    }
}
