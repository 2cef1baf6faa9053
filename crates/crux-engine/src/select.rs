//! Exact order statistics of integer keys: a quickselect for several ranks
//! at once whose pivots are estimated from a sample, so that each partition
//! lands near a wanted rank, and whose partitions run four keys at a time
//! with AVX2 where the CPU has it.
//!
//! One sample, taken at an even stride, serves a whole selection: each pivot
//! is a sample key, chosen by selecting within the segment's share of the
//! sample, which that leaves split at the pivot as the partition then splits
//! the keys. A segment whose share has grown too small samples afresh.
//!
//! The ranks of a run's quantiles come in adjacent pairs (linear
//! interpolation between two order statistics). With several ranks in a
//! segment, the pivot is the estimated value in the middle of the widest gap
//! between them, so that the ranks divide between the two sides with room to
//! spare. With one rank, or one adjacent pair, the pivot is placed a few
//! sampling errors beyond it, towards the middle of the segment, so that the
//! side that holds it is small and has it near its edge: the next partition
//! then leaves only a sliver (Floyd and Rivest's idea). Small segments go to
//! the standard library's selection; the upper rank of an adjacent pair is
//! then the least key above the lower. Whatever the pivots, every step keeps
//! the exact order statistics: a partition splits the keys by `key < pivot`,
//! and a step that makes no progress (ties, say) hands its segment to the
//! standard library's selection.

use std::cmp::Ordering;

/// An order-preserving map from finite doubles to integers (branch-free:
/// negative values have all bits flipped, others only the sign bit).
#[inline(always)]
pub(crate) fn key(value: f64) -> u64 {
    let bits = value.to_bits();
    bits ^ (((bits as i64 >> 63) as u64) | (1 << 63))
}

/// The values of the given ranks (0-based, in `compare` order) of `values`,
/// which it reorders: `(rank, value)` pairs in increasing rank. Selection
/// around the middle wanted rank, then on each side, takes O(n log k) for k
/// ranks, and no sort.
pub fn select_ranks<T: Copy>(
    values: &mut [T],
    ranks: &[usize],
    compare: impl Fn(&T, &T) -> Ordering + Copy,
) -> Vec<(usize, T)> {
    let mut sorted = ranks.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut out = Vec::with_capacity(sorted.len());
    select_ranks_into(values, 0, &sorted, &mut out, compare);
    out
}

fn select_ranks_into<T: Copy>(
    values: &mut [T],
    offset: usize,
    ranks: &[usize],
    out: &mut Vec<(usize, T)>,
    compare: impl Fn(&T, &T) -> Ordering + Copy,
) {
    if ranks.is_empty() {
        return;
    }
    let middle = ranks.len() / 2;
    let rank = ranks[middle];
    let (left, value, right) = values.select_nth_unstable_by(rank - offset, compare);
    let value = *value;
    select_ranks_into(left, offset, &ranks[..middle], out, compare);
    out.push((rank, value));
    select_ranks_into(right, rank + 1, &ranks[middle + 1..], out, compare);
}

/// Segments up to this length go to the standard library's selection.
const SMALL: usize = 384;
/// Keys sampled to estimate pivots: one in this many, within the bounds below.
const SAMPLE_DIVISOR: usize = 8;
const SAMPLE_MIN: usize = 32;
const SAMPLE_MAX: usize = 512;
/// A segment whose share of the sample is smaller than this samples afresh.
const SAMPLE_FLOOR: usize = 16;
/// The most partitions on the way to a rank (ten wanted ranks in 2^15 keys
/// take about eight).
const MAX_DEPTH: u32 = 24;
/// How many standard errors of the sample's rank estimate a lone rank's pivot
/// is placed beyond it.
const MARGIN_ERRORS: f64 = 2.5;

/// The keys ([`key`]) of the given ranks (0-based, ascending order; sorted
/// and without repeats) of the doubles in `parts`, as `(rank, key)` in
/// increasing rank, using `keys` and `scratch` (each as long as the doubles)
/// as room. The first partition reads the doubles themselves, so
/// that they are mapped to keys on the way rather than in a pass of its own.
pub fn select_doubles(parts: &[&[f64]], keys: &mut [u64], scratch: &mut [u64], ranks: &[usize]) -> Vec<(usize, u64)> {
    let n: usize = parts.iter().map(|part| part.len()).sum();
    assert!(keys.len() == n && scratch.len() == n, "the room is as long as the values");
    let mut out = Vec::with_capacity(ranks.len());
    if ranks.is_empty() {
        return out;
    }
    if n <= SMALL {
        let mut filled = 0;
        for part in parts {
            for (slot, value) in keys[filled..filled + part.len()].iter_mut().zip(*part) {
                *slot = key(*value);
            }
            filled += part.len();
        }
        select_in_place(keys, ranks, 0, &mut out);
        return out;
    }
    let mut sample = take_sample(parts, n);
    let index = pivot_index(sample.len(), n, ranks, 0);
    let pivot = *sample.select_nth_unstable(index).1;
    let (mut low, mut high) = (0, n);
    for part in parts {
        let end = partition_into(part, scratch, pivot, low, high);
        high -= part.len() - (end - low);
        low = end;
    }
    descend(scratch, keys, low, ranks, 0, &mut sample, index, MAX_DEPTH, &mut out);
    out
}

/// Selects `ranks` (counted from `base`) among `keys`, partitioning into
/// `scratch`, whose two parts then hold the keys of the next level, with the
/// matching parts of `keys` as their room. `sample` holds the segment's share
/// of the sample, in any order, which it reorders. Below `depth` more levels, the
/// standard library's selection takes over, so that keys arranged against
/// the sampling cannot make the recursion deep.
fn select_into(
    keys: &mut [u64],
    scratch: &mut [u64],
    ranks: &[usize],
    base: usize,
    sample: &mut [u64],
    depth: u32,
    out: &mut Vec<(usize, u64)>,
) {
    if ranks.is_empty() {
        return;
    }
    let n = keys.len();
    if n <= SMALL || depth == 0 {
        select_in_place(keys, ranks, base, out);
        return;
    }
    if sample.len() < SAMPLE_FLOOR {
        let mut fresh = take_sample(&[&*keys], n);
        select_into(keys, scratch, ranks, base, &mut fresh, depth, out);
        return;
    }
    let index = pivot_index(sample.len(), n, ranks, base);
    let pivot = *sample.select_nth_unstable(index).1;
    let below = partition(keys, scratch, pivot);
    descend(scratch, keys, below, ranks, base, sample, index, depth, out);
}

/// After a partition at the sample's `index`-th key (selected in place) left
/// `partitioned` with `below` keys below the pivot, selects each side's ranks
/// in its part, with the matching part of `room` as room and of the sample as
/// sample. A partition that made no progress (the pivot is the least key, or
/// ties) hands its segment to the standard library's selection.
#[allow(clippy::too_many_arguments)]
fn descend(
    partitioned: &mut [u64],
    room: &mut [u64],
    below: usize,
    ranks: &[usize],
    base: usize,
    sample: &mut [u64],
    index: usize,
    depth: u32,
    out: &mut Vec<(usize, u64)>,
) {
    if below == 0 || below == partitioned.len() {
        select_in_place(partitioned, ranks, base, out);
        return;
    }
    let split = base + below;
    let left = ranks.partition_point(|rank| *rank < split);
    let (sample_below, sample_above) = sample.split_at_mut(index);
    let (partitioned_below, partitioned_above) = partitioned.split_at_mut(below);
    let (room_below, room_above) = room.split_at_mut(below);
    select_into(partitioned_below, room_below, &ranks[..left], base, sample_below, depth - 1, out);
    select_into(partitioned_above, room_above, &ranks[left..], split, sample_above, depth - 1, out);
}

/// The ranks of a small segment, by the standard library's selection; the
/// upper of an adjacent pair is the least key above the lower.
fn select_in_place(keys: &mut [u64], ranks: &[usize], base: usize, out: &mut Vec<(usize, u64)>) {
    match *ranks {
        [rank] => out.push((rank, *keys.select_nth_unstable(rank - base).1)),
        [low, high] if high == low + 1 => {
            let (_, key, above) = keys.select_nth_unstable(low - base);
            let key = *key;
            let next = above.iter().copied().min().expect("a rank above the lower one");
            out.extend([(low, key), (high, next)]);
        }
        _ => {
            let local: Vec<usize> = ranks.iter().map(|rank| rank - base).collect();
            out.extend(select_ranks(keys, &local, u64::cmp).into_iter().map(|(rank, key)| (rank + base, key)));
        }
    }
}

/// Keys taken at an even stride from the values in `parts` (`n` in all).
fn take_sample<T: KeySource>(parts: &[&[T]], n: usize) -> Vec<u64> {
    let size = (n / SAMPLE_DIVISOR).clamp(SAMPLE_MIN, SAMPLE_MAX).min(n);
    let stride = n / size;
    let mut sample = Vec::with_capacity(size);
    let (mut part, mut start) = (0, 0);
    for i in 0..size {
        let at = i * stride + stride / 2;
        while at >= start + parts[part].len() {
            start += parts[part].len();
            part += 1;
        }
        sample.push(parts[part][at - start].key());
    }
    sample
}

/// The index in a sorted sample of `size` keys (from a segment of `n`) of a
/// pivot: in the middle of the widest gap between wanted ranks, or a margin
/// beyond a lone rank (or adjacent pair) on the side of the segment's middle.
fn pivot_index(size: usize, n: usize, ranks: &[usize], base: usize) -> usize {
    let (first, last) = (ranks[0] - base, ranks[ranks.len() - 1] - base);
    let position = if last - first > 1 {
        // Split in the middle of the widest gap between wanted ranks, so that
        // both sides keep theirs with room to spare.
        let (gap_start, gap_end) = ranks
            .windows(2)
            .map(|pair| (pair[0], pair[1]))
            .max_by_key(|(low, high)| high - low)
            .expect("at least two ranks");
        let middle = (gap_start + gap_end) / 2 - base;
        (middle as f64 + 0.5) / n as f64 * size as f64
    } else {
        let low_half = (first + last) < n;
        let target = if low_half { last } else { first };
        let fraction = (target as f64 + 0.5) / n as f64;
        let margin = MARGIN_ERRORS * (size as f64 * fraction * (1.0 - fraction)).sqrt() + 1.0;
        let centre = fraction * size as f64;
        if low_half { centre + margin } else { centre - margin }
    };
    (position.max(0.0) as usize).min(size - 1)
}

/// What a partition reads: keys, or doubles mapped to keys on the way.
trait KeySource: Copy {
    const DOUBLES: bool;
    fn key(self) -> u64;
}

impl KeySource for u64 {
    const DOUBLES: bool = false;
    #[inline(always)]
    fn key(self) -> u64 {
        self
    }
}

impl KeySource for f64 {
    const DOUBLES: bool = true;
    #[inline(always)]
    fn key(self) -> u64 {
        key(self)
    }
}

/// Writes the keys below `pivot` to the front of `out` (in their order) and
/// the others to its back (in an order of their own); returns how many are below.
fn partition(keys: &[u64], out: &mut [u64], pivot: u64) -> usize {
    assert_eq!(keys.len(), out.len(), "a partition writes every key");
    partition_into(keys, out, pivot, 0, keys.len())
}

/// Partitions the keys of `input` into the gap `low..high` of `out` (at least
/// as wide as `input`) left by keys placed before them: those below `pivot`
/// from `low` up, the others from `high` down; returns the final `low`.
fn partition_into<T: KeySource>(input: &[T], out: &mut [u64], pivot: u64, low: usize, high: usize) -> usize {
    assert!(low <= high && high - low >= input.len() && high <= out.len(), "the input fits the gap");
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2.
        return unsafe { wide::partition(input, out, pivot, low, high) };
    }
    partition_tail(input, out, pivot, low, high)
}

/// The scalar partition of `input` into the gap `low..high` of `out`.
fn partition_tail<T: KeySource>(input: &[T], out: &mut [u64], pivot: u64, mut low: usize, mut high: usize) -> usize {
    for &value in input {
        let key = value.key();
        if key < pivot {
            out[low] = key;
            low += 1;
        } else {
            high -= 1;
            out[high] = key;
        }
    }
    low
}

#[cfg(target_arch = "x86_64")]
mod wide {
    use super::KeySource;
    use std::arch::x86_64::{
        __m256i, _mm256_castsi256_pd, _mm256_cmpgt_epi64, _mm256_loadu_si256, _mm256_movemask_pd, _mm256_or_si256,
        _mm256_permutevar8x32_epi32, _mm256_set1_epi64x, _mm256_setzero_si256, _mm256_storeu_si256, _mm256_xor_si256,
    };

    /// For each 4-bit mask, the 32-bit lane indices that move the 64-bit
    /// lanes set in the mask to the front (`FRONT`), or to the back (`BACK`),
    /// keeping their order.
    const FRONT: [[i32; 8]; 16] = pack(false);
    const BACK: [[i32; 8]; 16] = pack(true);

    const fn pack(to_back: bool) -> [[i32; 8]; 16] {
        let mut table = [[0; 8]; 16];
        let mut mask = 0;
        while mask < 16 {
            let count = (mask as u32).count_ones() as usize;
            let mut out = if to_back { 4 - count } else { 0 };
            let mut lane: i32 = 0;
            while lane < 4 {
                if mask & (1 << lane) != 0 {
                    table[mask][2 * out] = 2 * lane;
                    table[mask][2 * out + 1] = 2 * lane + 1;
                    out += 1;
                }
                lane += 1;
            }
            mask += 1;
        }
        table
    }

    /// [`super::partition_into`], four keys at a time: (map doubles to keys,)
    /// compare, then pack the lanes below to the front of one vector and the
    /// others to the back of another, store the first at the low end of the
    /// gap between the two sides and the second at its high end, and close
    /// the gap by the number that belong. The gap is always at least as wide
    /// as the keys still to place, so with eight or more left the two stores
    /// stay inside it and apart; the last few go one by one.
    #[target_feature(enable = "avx2")]
    pub(super) fn partition<T: KeySource>(
        input: &[T],
        out: &mut [u64],
        pivot: u64,
        mut low: usize,
        mut high: usize,
    ) -> usize {
        const { assert!(std::mem::size_of::<T>() == 8) };
        let n = input.len();
        // Unsigned order through signed compares: flip the sign bits.
        let bias = _mm256_set1_epi64x(i64::MIN);
        let limit = _mm256_xor_si256(_mm256_set1_epi64x(pivot as i64), bias);
        let zero = _mm256_setzero_si256();
        let out_ptr = out.as_mut_ptr();
        let mut done = 0;
        while n - done >= 8 {
            // SAFETY: values `done..done + 4` exist and are eight bytes each;
            // `FRONT` and `BACK` rows hold eight i32s; `high - low >= n - done
            // >= 8` and `high <= out.len()`, so `low..low + 4` and
            // `high - 4..high` lie inside `out` and do not overlap.
            unsafe {
                let mut x = _mm256_loadu_si256(input.as_ptr().add(done).cast::<__m256i>());
                if T::DOUBLES {
                    // `key`: flip every bit of negative doubles, the sign bit of others.
                    let negative = _mm256_cmpgt_epi64(zero, x);
                    x = _mm256_xor_si256(x, _mm256_or_si256(negative, bias));
                }
                let less = _mm256_cmpgt_epi64(limit, _mm256_xor_si256(x, bias));
                let mask = _mm256_movemask_pd(_mm256_castsi256_pd(less)) as usize & 15;
                let count = mask.count_ones() as usize;
                let to_low = _mm256_permutevar8x32_epi32(x, _mm256_loadu_si256(FRONT[mask].as_ptr().cast()));
                let to_high = _mm256_permutevar8x32_epi32(x, _mm256_loadu_si256(BACK[mask ^ 15].as_ptr().cast()));
                _mm256_storeu_si256(out_ptr.add(low).cast(), to_low);
                _mm256_storeu_si256(out_ptr.add(high - 4).cast(), to_high);
                low += count;
                high -= 4 - count;
            }
            done += 4;
        }
        super::partition_tail(&input[done..], out, pivot, low, high)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The keys of `ranks` among `keys`, which it reorders.
    fn select_keys(keys: &mut [u64], scratch: &mut [u64], ranks: &[usize]) -> Vec<(usize, u64)> {
        let mut out = Vec::new();
        select_into(keys, scratch, ranks, 0, &mut [], MAX_DEPTH, &mut out);
        out
    }

    fn check(keys: &[u64], ranks: &[usize]) {
        let mut sorted = keys.to_vec();
        sorted.sort_unstable();
        let expected: Vec<(usize, u64)> = ranks.iter().map(|rank| (*rank, sorted[*rank])).collect();
        let mut copy = keys.to_vec();
        let mut scratch = vec![0; keys.len()];
        assert_eq!(select_keys(&mut copy, &mut scratch, ranks), expected, "n = {}", keys.len());
    }

    fn quantile_ranks(n: usize) -> Vec<usize> {
        let mut ranks: Vec<usize> = crate::run::QUANTILE_PROBABILITIES
            .iter()
            .flat_map(|p| {
                let low = (p * (n - 1) as f64).floor() as usize;
                [low, (low + 1).min(n - 1)]
            })
            .collect();
        ranks.sort_unstable();
        ranks.dedup();
        ranks
    }

    fn random_keys(n: usize, seed: u64, modulus: u64) -> Vec<u64> {
        let mut state = seed;
        (0..n)
            .map(|_| {
                state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                (state >> 7) % modulus
            })
            .collect()
    }

    #[test]
    fn partitions_put_each_key_on_its_side() {
        for n in [0, 1, 3, 4, 5, 7, 8, 9, 16, 1001] {
            let keys = random_keys(n, 3, u64::MAX);
            for pivot in [0, 1 << 62, 1 << 63, u64::MAX] {
                let mut out = vec![0; n];
                let below = partition(&keys, &mut out, pivot);
                let expected_below: Vec<u64> = keys.iter().copied().filter(|key| *key < pivot).collect();
                let mut expected_above: Vec<u64> = keys.iter().copied().filter(|key| *key >= pivot).collect();
                expected_above.sort_unstable();
                let mut above = out[below..].to_vec();
                above.sort_unstable();
                assert_eq!(below, expected_below.len(), "n = {n}, pivot = {pivot}");
                assert_eq!(out[..below], expected_below, "n = {n}, pivot = {pivot}");
                assert_eq!(above, expected_above, "n = {n}, pivot = {pivot}");
            }
        }
    }

    #[test]
    fn selects_like_sorting_on_random_tied_sorted_and_reversed_keys() {
        for n in [1, 2, 7, 512, 513, 1000, 10_000, 33_333] {
            let ranks = quantile_ranks(n);
            check(&random_keys(n, n as u64, u64::MAX), &ranks);
            check(&random_keys(n, 7, 3), &ranks);
            check(&vec![42; n], &ranks);
            let ascending: Vec<u64> = (0..n as u64).collect();
            check(&ascending, &ranks);
            let descending: Vec<u64> = (0..n as u64).rev().collect();
            check(&descending, &ranks);
            // Keys whose top bit differs, as for doubles of both signs.
            let mixed: Vec<u64> =
                random_keys(n, 11, 1000).iter().map(|key| if key % 2 == 0 { key << 53 } else { !key }).collect();
            check(&mixed, &ranks);
        }
    }

    #[test]
    fn doubles_in_parts_select_like_sorting_their_keys() {
        for n in [0, 1, 5, 383, 384, 385, 1000, 10_000, 20_001] {
            let ranks = if n == 0 { Vec::new() } else { quantile_ranks(n) };
            let mixed: Vec<f64> =
                random_keys(n, 13, 1 << 40).iter().map(|key| (*key as f64 - (1u64 << 39) as f64) * 1e-9).collect();
            let tied: Vec<f64> = random_keys(n, 17, 4).iter().map(|key| *key as f64 - 1.5).collect();
            let signed_zeros: Vec<f64> = (0..n).map(|i| if i % 3 == 0 { -0.0 } else { 0.0 }).collect();
            for values in [mixed, tied, signed_zeros] {
                let mut sorted: Vec<u64> = values.iter().map(|value| key(*value)).collect();
                sorted.sort_unstable();
                let expected: Vec<(usize, u64)> = ranks.iter().map(|rank| (*rank, sorted[*rank])).collect();
                for part_length in [1024, 7, n.max(1)] {
                    let parts: Vec<&[f64]> = values.chunks(part_length).collect();
                    let (mut keys, mut scratch) = (vec![0; n], vec![0; n]);
                    let got = select_doubles(&parts, &mut keys, &mut scratch, &ranks);
                    assert_eq!(got, expected, "n = {n}, parts of {part_length}");
                }
            }
        }
    }

    #[test]
    fn partitions_of_doubles_map_them_to_keys() {
        let values: Vec<f64> = (0..1001).map(|i| (i as f64 - 500.0) * 0.37).collect();
        for pivot in [0.0, -0.0, -10.0, 1e9, f64::NEG_INFINITY] {
            let mut out = vec![0; values.len()];
            let below = partition_into(&values[..], &mut out, key(pivot), 0, values.len());
            let expected: Vec<u64> = values.iter().map(|value| key(*value)).filter(|k| *k < key(pivot)).collect();
            assert_eq!(out[..below], expected, "pivot {pivot}");
            assert!(out[below..].iter().all(|k| *k >= key(pivot)), "pivot {pivot}");
        }
    }

    #[test]
    fn the_depth_limit_hands_over_to_the_standard_selection_with_the_same_result() {
        let keys = random_keys(20_000, 9, u64::MAX);
        let ranks = quantile_ranks(keys.len());
        let mut sorted = keys.clone();
        sorted.sort_unstable();
        for depth in [0, 1, 2, 3] {
            let (mut copy, mut scratch) = (keys.clone(), vec![0; keys.len()]);
            let mut out = Vec::new();
            select_into(&mut copy, &mut scratch, &ranks, 0, &mut [], depth, &mut out);
            out.sort_unstable();
            let expected: Vec<(usize, u64)> = ranks.iter().map(|rank| (*rank, sorted[*rank])).collect();
            assert_eq!(out, expected, "depth {depth}");
        }
    }

    #[test]
    fn selects_every_rank_and_arbitrary_rank_sets() {
        let keys = random_keys(2_000, 5, 1 << 20);
        let all: Vec<usize> = (0..2_000).collect();
        check(&keys, &all);
        check(&keys, &[0]);
        check(&keys, &[1_999]);
        check(&keys, &[0, 1_999]);
        check(&keys, &[3, 4, 5, 1_000, 1_001, 1_998]);
    }
}
