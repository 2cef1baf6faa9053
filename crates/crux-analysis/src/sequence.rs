//! Scrambled Sobol' points: the low-discrepancy inputs of the sensitivity
//! and value-of-information designs.
//!
//! The points are Sobol' points (Gray-code order) built from the direction
//! numbers of Joe and Kuo (2008, file `new-joe-kuo-6.21201`, the first
//! [`MAX_DIMENSIONS`] dimensions, in `data/new-joe-kuo-6.txt`), with 32 bits per
//! coordinate. Each dimension is then scrambled with a nested uniform (Owen)
//! scramble keyed by the seed, computed with the hash-based permutation of
//! Burley (2020, "Practical hash-based Owen scrambling"), and the bits below
//! the 32nd are filled with hashed random bits, as a full Owen scramble would
//! give. Scrambled points are uniform on (0, 1) one by one, keep the
//! stratification of the unscrambled net (each of the first `2^m` points sits
//! alone in its own interval of width `2^-m` in every dimension), and make
//! the estimates of a design unbiased, with an error that can be judged by
//! re-running with other seeds.

use crux_lang::Diagnostic;
use std::sync::OnceLock;

/// The most dimensions the built-in direction numbers cover.
pub const MAX_DIMENSIONS: usize = 2048;

/// The most points per dimension (32-bit Sobol' points).
pub const MAX_POINTS: usize = 1 << 32;

const JOE_KUO: &str = include_str!("../data/new-joe-kuo-6.txt");

/// The 32 direction numbers `v_1..v_32` (as left-aligned 32-bit integers) of every dimension.
fn directions() -> &'static [[u32; 32]] {
    static TABLE: OnceLock<Vec<[u32; 32]>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut table = Vec::with_capacity(MAX_DIMENSIONS);
        table.push(std::array::from_fn(|bit| 1u32 << (31 - bit)));
        for line in JOE_KUO.lines().filter(|line| line.starts_with(|c: char| c.is_ascii_digit())) {
            let numbers: Vec<u32> =
                line.split_whitespace().map(|word| word.parse().expect("direction numbers")).collect();
            let (degree, inner) = (numbers[1] as usize, numbers[2]);
            table.push(direction_numbers(degree, inner, &numbers[3..3 + degree]));
        }
        assert_eq!(table.len(), MAX_DIMENSIONS, "the direction-number table is complete");
        table
    })
}

/// Direction numbers from a primitive polynomial of degree `degree` with
/// inner coefficients `inner` and initial numbers `initial` (Bratley and Fox 1988).
fn direction_numbers(degree: usize, inner: u32, initial: &[u32]) -> [u32; 32] {
    let mut v = [0u32; 32];
    for bit in 0..32 {
        v[bit] = if bit < degree {
            initial[bit] << (31 - bit)
        } else {
            let mut value = v[bit - degree] ^ (v[bit - degree] >> degree);
            for k in 1..degree {
                if (inner >> (degree - 1 - k)) & 1 == 1 {
                    value ^= v[bit - k];
                }
            }
            value
        };
    }
    v
}

/// A mixing function (SplitMix64's finaliser).
pub(crate) fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// A permutation of 32-bit integers in which each output bit depends only on
/// the same and lower input bits (Laine and Karras 2011, with the constants of
/// Vegdahl's improvement to Burley 2020). Applied to bit-reversed values, it is
/// a nested uniform scramble: each bit is flipped according to the bits above it.
fn owen_hash(mut x: u32, seed: u32) -> u32 {
    x ^= x.wrapping_mul(0x3d20_adea);
    x = x.wrapping_add(seed);
    x = x.wrapping_mul((seed >> 16) | 1);
    x ^= x.wrapping_mul(0x0552_6c56);
    x ^= x.wrapping_mul(0x53a2_2864);
    x
}

fn owen_scramble(x: u32, seed: u32) -> u32 {
    owen_hash(x.reverse_bits(), seed).reverse_bits()
}

/// `points` scrambled Sobol' points in `dimensions` dimensions, from
/// dimension `first` of the sequence on, as columns `[dimension][point]` of
/// values in the open interval (0, 1). The same `seed` gives the same points.
pub fn scrambled_sobol(points: usize, first: usize, dimensions: usize, seed: u64) -> Result<Vec<Vec<f64>>, Diagnostic> {
    if first + dimensions > MAX_DIMENSIONS {
        return Err(Diagnostic::error(format!(
            "this design needs {} dimensions of the Sobol' sequence, more than the {MAX_DIMENSIONS} available",
            first + dimensions
        ))
        .with_help("a model with fewer random draws, or fewer analysis groups, needs fewer dimensions"));
    }
    if points > MAX_POINTS {
        return Err(Diagnostic::error(format!("{points} Sobol' points is more than the limit of 2^32")));
    }
    let table = directions();
    Ok((first..first + dimensions)
        .map(|dimension| {
            let v = &table[dimension];
            let key = mix(seed ^ mix(dimension as u64));
            let scramble = key as u32;
            let low_key = key >> 32;
            let mut x = 0u32;
            (0..points)
                .map(|index| {
                    if index > 0 {
                        x ^= v[(index - 1).trailing_ones() as usize];
                    }
                    let high = owen_scramble(x, scramble);
                    let low = mix(low_key ^ u64::from(high)) >> 43;
                    to_open_unit((u64::from(high) << 21) | low)
                })
                .collect()
        })
        .collect())
}

/// A 53-bit integer to the midpoint of its cell in (0, 1).
fn to_open_unit(bits: u64) -> f64 {
    (bits as f64 + 0.5) * (1.0 / (1u64 << 53) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unscrambled_points_match_the_published_sequence() {
        // The first points of the unscrambled sequence in dimensions 1 to 3
        // (Joe and Kuo; also scipy's `Sobol(scramble=False)`).
        let table = directions();
        let expected = [
            [0.0, 0.0, 0.0],
            [0.5, 0.5, 0.5],
            [0.75, 0.25, 0.25],
            [0.25, 0.75, 0.75],
            [0.375, 0.375, 0.625],
            [0.875, 0.875, 0.125],
            [0.625, 0.125, 0.875],
            [0.125, 0.625, 0.375],
        ];
        for (dimension, v) in table.iter().take(3).enumerate() {
            let mut x = 0u32;
            for (index, row) in expected.iter().enumerate() {
                if index > 0 {
                    x ^= v[(index - 1).trailing_ones() as usize];
                }
                assert_eq!(f64::from(x) / 2f64.powi(32), row[dimension], "point {index}, dimension {dimension}");
            }
        }
    }

    #[test]
    fn every_dimension_is_stratified_after_scrambling() {
        let points = 1 << 10;
        let columns = scrambled_sobol(points, 0, 64, 7).unwrap();
        for (dimension, column) in columns.iter().enumerate() {
            let mut cells = vec![0; points];
            for &u in column {
                assert!(u > 0.0 && u < 1.0);
                cells[(u * points as f64) as usize] += 1;
            }
            assert!(cells.iter().all(|count| *count == 1), "dimension {dimension} is not stratified");
        }
    }

    #[test]
    fn the_first_two_dimensions_form_a_net() {
        // A (0, m, 2)-net: every elementary box of area 2^-m holds exactly one point.
        let m = 8;
        let points = 1 << m;
        let columns = scrambled_sobol(points, 0, 2, 3).unwrap();
        for split in 0..=m {
            let (a, b) = (1usize << split, 1usize << (m - split));
            let mut cells = vec![0; points];
            for (x, y) in columns[0].iter().zip(&columns[1]) {
                let i = (x * a as f64) as usize;
                let j = (y * b as f64) as usize;
                cells[i * b + j] += 1;
            }
            assert!(cells.iter().all(|count| *count == 1), "boxes {a} x {b}");
        }
    }

    #[test]
    fn seeds_give_different_reproducible_points() {
        let a = scrambled_sobol(16, 5, 3, 1).unwrap();
        let b = scrambled_sobol(16, 5, 3, 1).unwrap();
        let c = scrambled_sobol(16, 5, 3, 2).unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn scrambled_means_are_close_to_one_half() {
        // Integrating x^2 over 2^12 scrambled points: the error of a scrambled
        // net is far below plain Monte Carlo's (about 0.3 / sqrt(n) = 0.005).
        let columns = scrambled_sobol(1 << 12, 0, 20, 11).unwrap();
        for column in &columns {
            let mean: f64 = column.iter().map(|u| u * u).sum::<f64>() / column.len() as f64;
            assert!((mean - 1.0 / 3.0).abs() < 2e-4, "{mean}");
        }
    }

    #[test]
    fn too_many_dimensions_is_an_error() {
        assert!(scrambled_sobol(4, MAX_DIMENSIONS - 1, 2, 0).is_err());
    }
}
