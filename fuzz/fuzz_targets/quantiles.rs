//! Exact quantiles of arbitrary columns: any finite doubles (ties, both
//! zeros, subnormals, huge magnitudes, long runs of one value), of any length
//! up to past the radix histogram's threshold, split into parts like a run's
//! blocks, get the quantiles of their sorted values, bit for bit.

#![no_main]

use libfuzzer_sys::fuzz_target;

fn sorted_quantile(sorted: &[f64], p: f64) -> f64 {
    let position = p * (sorted.len() - 1) as f64;
    let low = position.floor() as usize;
    let high = (low + 1).min(sorted.len() - 1);
    let fraction = position - low as f64;
    if fraction == 0.0 { sorted[low] } else { sorted[low] + fraction * (sorted[high] - sorted[low]) }
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 3 {
        return;
    }
    // The first two bytes: how many times to repeat the values (so that
    // columns grow past the selection's thresholds) and where to split them.
    let repeat = 1 + data[0] as usize % 64;
    let split = data[1] as usize;
    let words: Vec<f64> = data[2..]
        .chunks_exact(8)
        .map(|chunk| f64::from_bits(u64::from_le_bytes(chunk.try_into().expect("eight bytes"))))
        .filter(|value| value.is_finite())
        .collect();
    if words.is_empty() {
        return;
    }
    let values: Vec<f64> = (0..repeat)
        .flat_map(|round| words.iter().map(move |value| value * (1 + round % 3) as f64))
        .filter(|value| value.is_finite())
        .collect();
    if values.is_empty() {
        return;
    }
    let split = split * values.len() / 256;
    let (first, second) = values.split_at(split);
    let probabilities = [0.0, 0.05, 0.25, 0.5, 0.75, 0.95, 1.0];
    let got = crux_engine::quantile::quantiles(&[first, second], &probabilities);
    let mut sorted = values.clone();
    sorted.sort_by(f64::total_cmp);
    for (p, value) in probabilities.iter().zip(got) {
        let expected = sorted_quantile(&sorted, *p);
        assert!(
            value.to_bits() == expected.to_bits() || (value.is_nan() && expected.is_nan()),
            "p = {p}: {value} instead of {expected} ({} values)",
            values.len()
        );
    }
});
