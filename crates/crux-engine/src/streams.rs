//! Where a block's draws take their randomness from: pseudo-random streams
//! keyed by (seed, block, draw), never by thread, or uniforms a caller gives.

/// Where draws take their randomness from.
#[derive(Debug, Clone, Copy)]
pub enum Randomness<'a> {
    /// Pseudo-random streams keyed by (seed, block, draw stream).
    Seeded { seed: u64, block: u64 },
    /// Given uniforms in (0, 1): `uniforms[d][lane]` for the d-th draw of the
    /// program, turned into values by quantile functions.
    Uniforms(&'a [&'a [f64]]),
}

/// Mixes a seed, a block index and a stream id into one 64-bit seed.
pub fn stream_seed(seed: u64, block: u64, stream: u64) -> u64 {
    fn splitmix(mut x: u64) -> u64 {
        x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
        x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        x ^ (x >> 31)
    }
    splitmix(splitmix(splitmix(seed) ^ block) ^ stream)
}
