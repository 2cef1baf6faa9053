//! Exact sample quantiles of large columns by radix selection.
//!
//! One pass histograms the top 16 bits of an order-preserving integer key;
//! a second pass collects only the values in the buckets that hold the wanted
//! ranks, which are then selected exactly. Two linear passes instead of a sort,
//! and the values may come in several slices (the blocks of a run). Small
//! inputs are selected among their keys instead ([`crate::select`]), which
//! is cheaper than the histogram's fixed cost.

pub use crate::select::select_ranks;
use crate::select::{key, select_doubles};

/// The inverse of [`key`](crate::select::key).
#[inline(always)]
fn value_of_key(key: u64) -> f64 {
    let flip = if key >> 63 == 1 { 1 << 63 } else { u64::MAX };
    f64::from_bits(key ^ flip)
}

const BUCKET_SHIFT: u32 = 48;
const BUCKETS: usize = 1 << (64 - BUCKET_SHIFT);
/// Up to this many values, selecting in a copy is cheaper than clearing and
/// walking the histogram's buckets.
const DIRECT_SELECTION_MAX: usize = 1 << 15;

thread_local! {
    /// Room for [`crate::select::select_doubles`], up to `2 * DIRECT_SELECTION_MAX` keys.
    static KEY_BUFFER: std::cell::RefCell<Vec<u64>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The values of the given 0-based ranks (ascending order statistics) of the
/// values in `parts`. Ranks must be below the total count.
pub fn order_statistics(parts: &[&[f64]], ranks: &[usize]) -> Vec<f64> {
    let total: usize = parts.iter().map(|part| part.len()).sum();
    if total == 0 || ranks.is_empty() {
        return vec![f64::NAN; ranks.len()];
    }
    let ranks: Vec<usize> = ranks.iter().map(|rank| (*rank).min(total - 1)).collect();
    if total <= DIRECT_SELECTION_MAX {
        // Integer keys compare faster than doubles in total order. The keys
        // and the selection's room come from a buffer kept by each thread:
        // allocating them afresh costs more than selecting.
        let mut unique = ranks.clone();
        unique.sort_unstable();
        unique.dedup();
        let selected = KEY_BUFFER.with_borrow_mut(|buffer| {
            if buffer.len() < 2 * total {
                buffer.resize(2 * total, 0);
            }
            let (keys, scratch) = buffer[..2 * total].split_at_mut(total);
            select_doubles(parts, keys, scratch, &unique)
        });
        return ranks
            .iter()
            .map(|rank| {
                let found = selected.iter().find(|(found, _)| found == rank).expect("every wanted rank is selected");
                value_of_key(found.1)
            })
            .collect();
    }
    let mut counts = vec![0u32; BUCKETS];
    for part in parts {
        for &value in *part {
            counts[(key(value) >> BUCKET_SHIFT) as usize] += 1;
        }
    }
    // For each rank: its bucket and its rank inside the bucket, in one walk
    // over the buckets (ranks visited in increasing order).
    let mut order: Vec<usize> = (0..ranks.len()).collect();
    order.sort_unstable_by_key(|index| ranks[*index]);
    let mut wanted: Vec<(usize, usize)> = vec![(0, 0); ranks.len()];
    let (mut before, mut bucket) = (0usize, 0usize);
    for index in order {
        let rank = ranks[index];
        while before + counts[bucket] as usize <= rank {
            before += counts[bucket] as usize;
            bucket += 1;
        }
        wanted[index] = (bucket, rank - before);
    }
    let mut slot_of = vec![u8::MAX; BUCKETS];
    let mut buckets: Vec<Vec<f64>> = Vec::new();
    for &(bucket, _) in &wanted {
        if slot_of[bucket] == u8::MAX {
            slot_of[bucket] = buckets.len() as u8;
            buckets.push(Vec::with_capacity(counts[bucket] as usize));
        }
    }
    for part in parts {
        for &value in *part {
            let slot = slot_of[(key(value) >> BUCKET_SHIFT) as usize];
            if slot != u8::MAX {
                buckets[slot as usize].push(value);
            }
        }
    }
    let mut inner_ranks: Vec<Vec<usize>> = vec![Vec::new(); buckets.len()];
    for &(bucket, inner) in &wanted {
        inner_ranks[slot_of[bucket] as usize].push(inner);
    }
    let selected: Vec<Vec<(usize, f64)>> = buckets
        .iter_mut()
        .zip(&inner_ranks)
        .map(|(values, ranks)| select_ranks(values, ranks, f64::total_cmp))
        .collect();
    wanted
        .iter()
        .map(|&(bucket, inner)| {
            let found = &selected[slot_of[bucket] as usize];
            found.iter().find(|(rank, _)| *rank == inner).expect("every wanted rank is selected").1
        })
        .collect()
}

/// Quantiles at probabilities `probabilities`, interpolated linearly between
/// order statistics (numpy's default, type 7).
pub fn quantiles(parts: &[&[f64]], probabilities: &[f64]) -> Vec<f64> {
    let total: usize = parts.iter().map(|part| part.len()).sum();
    if total == 0 {
        return vec![f64::NAN; probabilities.len()];
    }
    let positions: Vec<f64> = probabilities.iter().map(|p| p.clamp(0.0, 1.0) * (total - 1) as f64).collect();
    let mut ranks: Vec<usize> = Vec::with_capacity(2 * positions.len());
    for position in &positions {
        let low = position.floor() as usize;
        ranks.push(low);
        ranks.push((low + 1).min(total - 1));
    }
    let values = order_statistics(parts, &ranks);
    positions
        .iter()
        .enumerate()
        .map(|(index, position)| {
            let (low, high) = (values[2 * index], values[2 * index + 1]);
            let fraction = position - position.floor();
            if fraction == 0.0 { low } else { low + fraction * (high - low) }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference(values: &[f64], p: f64) -> f64 {
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        let position = p * (sorted.len() - 1) as f64;
        let low = position.floor() as usize;
        let high = (low + 1).min(sorted.len() - 1);
        sorted[low] + (position - low as f64) * (sorted[high] - sorted[low])
    }

    #[test]
    fn matches_sorting_on_mixed_values() {
        let values: Vec<f64> = (0..10_007).map(|i| ((i * 7919) % 10_007) as f64 * 0.37 - 1500.0).collect();
        let (left, right) = values.split_at(4000);
        let probabilities = [0.0, 0.05, 0.25, 0.5, 0.75, 0.95, 1.0];
        let got = quantiles(&[left, right], &probabilities);
        for (p, value) in probabilities.iter().zip(got) {
            assert_eq!(value, reference(&values, *p), "p = {p}");
        }
    }

    #[test]
    fn order_statistics_take_ranks_in_any_order_and_match_sorting() {
        let mut state: u64 = 7;
        let values: Vec<f64> = (0..50_000)
            .map(|_| {
                state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                let unit = (state >> 11) as f64 / (1u64 << 53) as f64;
                (unit * 12.0 - 6.0).exp() * if state & 1 == 0 { 1.0 } else { -1.0 }
            })
            .collect();
        let mut sorted = values.clone();
        sorted.sort_by(f64::total_cmp);
        let ranks = [49_999, 0, 25_000, 24_999, 12, 40_000, 12, 2_500];
        let (left, right) = values.split_at(17_000);
        let got = order_statistics(&[left, right], &ranks);
        let expected: Vec<f64> = ranks.iter().map(|rank| sorted[*rank]).collect();
        assert_eq!(got, expected);
        let mut copy = values.clone();
        let selected = select_ranks(&mut copy, &ranks, f64::total_cmp);
        let mut unique: Vec<usize> = ranks.to_vec();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(selected, unique.iter().map(|rank| (*rank, sorted[*rank])).collect::<Vec<_>>());
    }

    #[test]
    fn keys_map_back_to_their_values() {
        for value in [0.0, -0.0, 1.5, -1.5, 1e-300, -1e-300, f64::MAX, f64::MIN, f64::MIN_POSITIVE, 5e-324] {
            assert_eq!(value_of_key(key(value)).to_bits(), value.to_bits(), "{value}");
        }
    }

    #[test]
    fn handles_ties_and_single_values() {
        assert_eq!(quantiles(&[&[3.0; 100]], &[0.05, 0.95]), vec![3.0, 3.0]);
        assert_eq!(quantiles(&[&[-2.5]], &[0.5]), vec![-2.5]);
        assert_eq!(quantiles(&[&[-0.0, 0.0, -1e-300, 1e-300]], &[0.0, 1.0]), vec![-1e-300, 1e-300]);
    }
}
