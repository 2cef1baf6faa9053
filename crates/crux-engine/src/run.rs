//! The Monte Carlo driver: runs blocks of samples in parallel and combines
//! per-block partial statistics in block order, so that a seed gives
//! identical results on any number of threads.
//!
//! Quantiles are exact sample quantiles (linear interpolation between order
//! statistics, numpy's default), found without keeping every net value. A
//! pilot over the first blocks (their net values kept) brackets each quantile
//! at each grid point with the pilot's quantiles six binomial standard errors
//! either side. Every later block then counts, per bracket, the values below
//! it and keeps only the values inside any bracket (about a tenth of them);
//! the pilot's kept values are counted the same way. The wanted order
//! statistics are then selected exactly among the kept values. Should one
//! fall outside its bracket (a chance of about 1e-9 per quantile), that grid
//! point is run again with every value kept. Small runs, and runs that ask
//! for every net value ([`RunOptions::keep_net`]), keep every value instead.
//! The pilot grows with the run (about `(10.8 n)^(2/3)` samples, which
//! minimises the values kept), so that 10^6 samples at 61 points keep some
//! 70 MB and 10^7 some 330 MB; runs that would keep more than
//! [`MEMORY_BUDGET_BYTES`] are split into passes over parts of the grid.

use crate::compile::{compile, compile_with};
use crate::distributions::Shape;
use crate::exec::{
    BLOCK, Randomness, Workspace, argument, axis_slots, constant_shapes, lane_value, run_point_program,
    run_sample_program,
};
use crate::format::short;
use crate::ops::Arg;
use crate::program::{Op, Operand, Origin, Program, SampleStep, Term};
use crate::quantile::quantiles;
use crux_lang::{Diagnostic, Diagnostics, hir};
use rayon::prelude::*;
use std::mem::MaybeUninit;
use std::ops::Range;

/// The most samples a single run accepts.
pub const MAX_SAMPLES: usize = 100_000_000;
/// The most sample-points (samples times grid points evaluated) a single run
/// accepts: about half a minute and 1.3 GiB on two cores. Beyond it a run is
/// refused up front rather than left to take minutes and gigabytes.
pub const MAX_SAMPLE_POINTS: usize = 2_000_000_000;
/// Memory for the net values a run keeps; larger runs are split over the grid.
pub const MEMORY_BUDGET_BYTES: usize = 512 << 20;
/// The probabilities of the reported quantiles.
pub const QUANTILE_PROBABILITIES: [f64; 5] = [0.05, 0.25, 0.5, 0.75, 0.95];
const QUANTILES: usize = QUANTILE_PROBABILITIES.len();
/// The fewest blocks in a pilot.
const PILOT_MIN_BLOCKS: usize = 32;
/// Half-width of a bracket, in binomial standard errors of the pilot quantile.
const BRACKET_STANDARD_ERRORS: f64 = 6.0;

/// `(low, high)` around one quantile at one grid point.
type Bracket = (f64, f64);

/// The brackets of one grid point. When the pilot shows ties at a bracket's
/// end (net exactly 0 in many samples, say), values equal to the ends are
/// counted rather than kept, so that ties cannot fill memory.
#[derive(Debug, Clone, Copy, PartialEq)]
struct PointBrackets {
    ends: [Bracket; QUANTILES],
    count_ends: bool,
}

/// A compiled model with everything a run needs.
#[derive(Debug, Clone)]
pub struct Engine {
    model: hir::Model,
    pub(crate) program: Program,
    pub(crate) shapes: Vec<Option<Shape>>,
    /// Axis-level slots for every grid point.
    pub(crate) axis_table: Vec<Vec<f64>>,
    wide: bool,
}

/// What to run.
#[derive(Clone, Copy)]
pub struct RunOptions<'a> {
    pub samples: usize,
    pub seed: u64,
    /// Grid indices to evaluate; all of them when `None`.
    pub points: Option<&'a [usize]>,
    /// Keep every net value (for analyses); otherwise only summaries.
    pub keep_net: bool,
    /// Find each sample's crossing ([`Crossings`]) block by block, without
    /// keeping its net values.
    pub crossings: bool,
    /// Called with the number of sample-points finished, from any thread,
    /// and with 0 before each block begins: a caller may stop the run by
    /// unwinding out of it, and blocks not yet begun are then skipped.
    pub progress: Option<&'a (dyn Fn(u64) + Sync)>,
    /// Spread the run's blocks (and a small run's quantiles) over rayon's
    /// threads, the default; or evaluate them one after another on the
    /// calling thread, for a caller that already runs several runs at once.
    /// The results are the same.
    pub parallel: bool,
}

impl std::fmt::Debug for RunOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunOptions")
            .field("samples", &self.samples)
            .field("seed", &self.seed)
            .field("points", &self.points)
            .finish()
    }
}

impl RunOptions<'_> {
    pub fn new(samples: usize, seed: u64) -> Self {
        RunOptions { samples, seed, points: None, keep_net: false, crossings: false, progress: None, parallel: true }
    }
}

/// Summary of net at one grid point.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct PointSummary {
    pub mean: f64,
    pub sd: f64,
    pub p05: f64,
    pub p25: f64,
    pub p50: f64,
    pub p75: f64,
    pub p95: f64,
    /// P(net > 0).
    pub p_positive: f64,
}

impl PointSummary {
    fn set_quantiles(&mut self, values: &[f64]) {
        [self.p05, self.p25, self.p50, self.p75, self.p95] = [values[0], values[1], values[2], values[3], values[4]];
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct MechanismSummary {
    pub id: String,
    pub benefit: bool,
    /// Mean effect at each evaluated point.
    pub mean: Vec<f64>,
}

/// Every net value of a run, for analyses that need per-sample results:
/// one column per evaluated point, written in place by the blocks as they
/// run, so that a caller can take the columns without a copy.
#[derive(Debug, Clone)]
pub struct NetSamples {
    pub samples: usize,
    pub points: usize,
    columns: Vec<Vec<f64>>,
}

impl NetSamples {
    /// Net of sample `sample` at the `point`-th evaluated point.
    pub fn get(&self, sample: usize, point: usize) -> f64 {
        self.columns[point][sample]
    }

    /// All samples at one point, in sample order.
    pub fn column(&self, point: usize) -> &[f64] {
        &self.columns[point]
    }

    /// The columns, one per evaluated point.
    pub fn into_columns(self) -> Vec<Vec<f64>> {
        self.columns
    }
}

/// Where each sample's net turns negative for good: the first evaluated
/// point from which it is negative at every later point, or none when it is
/// not negative at the last (a NaN counts as not negative). Found block by
/// block as the run goes ([`RunOptions::crossings`]), in 4 bytes a sample.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Crossings {
    points: usize,
    /// Per sample: the index of the crossing point, `points` for none.
    first_negative: Vec<u32>,
}

impl Crossings {
    /// How many samples.
    pub fn len(&self) -> usize {
        self.first_negative.len()
    }

    /// Whether there are no samples.
    pub fn is_empty(&self) -> bool {
        self.first_negative.is_empty()
    }

    /// The crossing of sample `sample`.
    pub fn get(&self, sample: usize) -> Option<usize> {
        let index = self.first_negative[sample] as usize;
        (index < self.points).then_some(index)
    }

    /// Every sample's crossing, in sample order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = Option<usize>> + '_ {
        self.first_negative
            .iter()
            .map(|index| (*index as usize) < self.points)
            .zip(&self.first_negative)
            .map(|(crosses, index)| crosses.then_some(*index as usize))
    }

    /// The crossings of every sample of `net` (a run that kept every value).
    pub fn of(net: &NetSamples) -> Crossings {
        let mut first_negative = vec![0; net.samples];
        for point in 0..net.points {
            for (sample, first) in first_negative.iter_mut().enumerate() {
                if not_negative(net.get(sample, point)) {
                    *first = point as u32 + 1;
                }
            }
        }
        Crossings { points: net.points, first_negative }
    }
}

#[derive(Debug, Clone)]
pub struct RunOutput {
    /// Axis values of the evaluated points.
    pub points: Vec<f64>,
    pub net: Vec<PointSummary>,
    pub mechanisms: Vec<MechanismSummary>,
    pub net_samples: Option<NetSamples>,
    /// Each sample's crossing, when [`RunOptions::crossings`] asked for it.
    pub crossings: Option<Crossings>,
}

/// Partial statistics of one block.
struct BlockStats {
    /// Per point: `[count, mean, rms deviation, positives, mechanism sums...]`.
    values: Vec<f64>,
    /// The first point whose net was not finite in this block.
    non_finite: Option<usize>,
    /// Per point and bracket: how many values fell below the bracket, and
    /// (for brackets that count their ends) how many equal its low and its high end.
    counts: Vec<[u32; 3]>,
    /// Per lane, one past the last evaluated point at which net was not
    /// negative (0: negative at every point), when crossings are wanted.
    past_last_non_negative: Vec<u32>,
    /// The values inside any bracket, per point in turn...
    inside: Vec<f64>,
    /// ...ending at these offsets.
    inside_ends: Vec<u32>,
}

/// A worker's buffers, reused from block to block.
struct BlockWorkspace {
    registers: Workspace,
    /// Net at one point, when it is not a register of its own.
    net: Vec<f64>,
    /// The values of one point kept by the brackets, and which they are.
    kept: Vec<f64>,
    flags: Vec<u64>,
    /// Per mechanism term without a point factor: the block's sum of its coefficient.
    term_sums: Vec<f64>,
}

impl BlockWorkspace {
    fn new(program: &Program) -> Self {
        BlockWorkspace {
            registers: Workspace::new(program),
            net: vec![0.0; BLOCK],
            kept: vec![0.0; BLOCK],
            flags: vec![0; BLOCK],
            term_sums: Vec::new(),
        }
    }
}

/// Where a block's net values go besides its statistics.
#[derive(Clone, Copy)]
enum Keep<'a> {
    /// Nowhere.
    Nothing,
    /// The values inside these brackets (per point).
    Brackets(&'a [PointBrackets]),
}

/// What a block is asked for besides its statistics.
#[derive(Clone, Copy)]
struct Asks<'a> {
    keep: Keep<'a>,
    /// Each lane's one past the last point at which net was not negative.
    crossings: bool,
}

/// Blocks in the pilot of a run of `samples`: about `(10.8 n)^(2/3)` samples,
/// which minimises the pilot's values plus the values inside the brackets
/// (a fraction of about `21.6 / sqrt(pilot)` of the rest).
fn pilot_blocks(samples: usize) -> usize {
    let ideal = (10.8 * samples as f64).powf(2.0 / 3.0) / BLOCK as f64;
    (ideal.ceil() as usize).max(PILOT_MIN_BLOCKS)
}

/// Whether a run keeps every value rather than brackets.
fn keeps_everything(samples: usize, keep_net: bool) -> bool {
    keep_net || samples.div_ceil(BLOCK) <= 2 * pilot_blocks(samples)
}

/// An estimate (with room to spare) of the bytes a run keeps per grid point.
fn kept_bytes_per_point(samples: usize) -> usize {
    let blocks = samples.div_ceil(BLOCK);
    if keeps_everything(samples, false) {
        return blocks * BLOCK * 8;
    }
    let pilot = (pilot_blocks(samples) * BLOCK) as f64;
    let inside = 1.5 * 21.6 * samples as f64 / pilot.sqrt();
    ((pilot + inside) * 8.0) as usize
}

/// Whether a net value is not negative: at least 0, or NaN.
#[inline(always)]
fn not_negative(value: f64) -> bool {
    value.partial_cmp(&0.0) != Some(std::cmp::Ordering::Less)
}

/// Each sample's one past the last point at which its net was not negative,
/// from the statistics of every block in block order (empty when the run did
/// not look for crossings).
fn sample_crossings(stats: &[BlockStats]) -> Vec<u32> {
    stats.iter().flat_map(|block| block.past_last_non_negative.iter().copied()).collect()
}

/// Brackets `(low, high)` around each reported quantile, from a pilot sample:
/// wide enough that the exact quantile of the full run falls inside almost
/// surely; a miss is detected and handled.
fn quantile_brackets(pilot: &[&[f64]]) -> PointBrackets {
    let count: usize = pilot.iter().map(|part| part.len()).sum();
    let mut probabilities = Vec::with_capacity(2 * QUANTILES);
    for p in QUANTILE_PROBABILITIES {
        let margin = BRACKET_STANDARD_ERRORS * (p * (1.0 - p) / count as f64).sqrt() + 2.0 / count as f64;
        probabilities.push(p - margin);
        probabilities.push(p + margin);
    }
    let clamped: Vec<f64> = probabilities.iter().map(|p| p.clamp(0.0, 1.0)).collect();
    let values = quantiles(pilot, &clamped);
    let ends: [Bracket; QUANTILES] = std::array::from_fn(|k| {
        let low = if probabilities[2 * k] <= 0.0 { f64::NEG_INFINITY } else { values[2 * k] };
        let high = if probabilities[2 * k + 1] >= 1.0 { f64::INFINITY } else { values[2 * k + 1] };
        (low, high)
    });
    let mut equal = [0usize; 2 * QUANTILES];
    for value in pilot.iter().flat_map(|part| part.iter()) {
        for (count, (low, high)) in equal.chunks_mut(2).zip(&ends) {
            count[0] += usize::from(value == low);
            count[1] += usize::from(value == high);
        }
    }
    let count_ends = equal.iter().any(|count| *count > 1);
    PointBrackets { ends, count_ends }
}

/// Counts, per bracket, the values below it (and, with `COUNT_ENDS`, those
/// equal to its ends), and appends the values inside any bracket (strictly,
/// with `COUNT_ENDS`) to `inside`, with `flags` and `scratch` as room for one
/// block's values. The first pass is branch-free with only integer
/// reductions, so that it runs as vector compares; the second packs the kept
/// values without branches.
#[inline(always)]
fn scan_brackets<const COUNT_ENDS: bool>(
    values: &[f64],
    brackets: &[Bracket; QUANTILES],
    counts: &mut [[u32; 3]],
    inside: &mut Vec<f64>,
    flags: &mut [u64],
    scratch: &mut [f64],
) {
    let low: [f64; QUANTILES] = std::array::from_fn(|k| brackets[k].0);
    let high: [f64; QUANTILES] = std::array::from_fn(|k| brackets[k].1);
    let mut under = [0u64; QUANTILES];
    let mut at_low = [0u64; QUANTILES];
    let mut at_high = [0u64; QUANTILES];
    for (value, flag) in values.iter().zip(flags.iter_mut()) {
        let mut hit = 0u64;
        for k in 0..QUANTILES {
            let is_below = *value < low[k];
            under[k] += u64::from(is_below);
            if COUNT_ENDS {
                let is_low = *value == low[k];
                at_low[k] += u64::from(is_low);
                at_high[k] += u64::from(!is_low & (*value == high[k]));
                hit |= u64::from(!is_below & !is_low & (*value < high[k]));
            } else {
                hit |= u64::from(!is_below & (*value <= high[k]));
            }
        }
        *flag = hit;
    }
    let mut kept = 0;
    for (value, flag) in values.iter().zip(flags.iter()) {
        scratch[kept] = *value;
        kept += *flag as usize;
    }
    for k in 0..QUANTILES {
        counts[k] = [under[k] as u32, at_low[k] as u32, at_high[k] as u32];
    }
    inside.extend_from_slice(&scratch[..kept]);
}

/// Scans one point's values against its brackets.
#[inline(always)]
fn scan_point(
    values: &[f64],
    brackets: &PointBrackets,
    counts: &mut [[u32; 3]],
    inside: &mut Vec<f64>,
    flags: &mut [u64],
    scratch: &mut [f64],
) {
    if brackets.count_ends {
        scan_brackets::<true>(values, &brackets.ends, counts, inside, flags, scratch);
    } else {
        scan_brackets::<false>(values, &brackets.ends, counts, inside, flags, scratch);
    }
}

/// Exact quantiles at one point from the bracket counts and kept values of
/// every block, or `None` if a wanted order statistic fell outside its bracket.
fn bracketed_quantiles(
    stats: &[BlockStats],
    point: usize,
    samples: usize,
    brackets: &PointBrackets,
) -> Option<[f64; QUANTILES]> {
    let mut inside = Vec::new();
    for block in stats {
        let start = if point == 0 { 0 } else { block.inside_ends[point - 1] as usize };
        inside.extend_from_slice(&block.inside[start..block.inside_ends[point] as usize]);
    }
    let parts = split_by_bracket(&inside, brackets);
    let mut out = [0.0; QUANTILES];
    for (k, p) in QUANTILE_PROBABILITIES.iter().enumerate() {
        let (low, high) = brackets.ends[k];
        let [below, at_low, at_high] = stats.iter().fold([0usize; 3], |sum, block| {
            let counts = block.counts[point * QUANTILES + k];
            [sum[0] + counts[0] as usize, sum[1] + counts[1] as usize, sum[2] + counts[2] as usize]
        });
        let mut part = parts[k].clone();
        let position = p * (samples - 1) as f64;
        let low_rank = position.floor() as usize;
        let high_rank = (low_rank + 1).min(samples - 1);
        // Ranks below..below+at_low hold `low`, then the kept values, then `high`.
        let interior = below + at_low;
        let resolve = |rank: usize, part: &mut [f64]| -> Option<f64> {
            if rank < below {
                None
            } else if rank < interior {
                Some(low)
            } else if rank < interior + part.len() {
                Some(*part.select_nth_unstable_by(rank - interior, f64::total_cmp).1)
            } else if rank < interior + part.len() + at_high {
                Some(high)
            } else {
                None
            }
        };
        let low_value = resolve(low_rank, &mut part)?;
        // After selecting `low_rank`, the next order statistic is the least value to its right.
        let high_value = if high_rank == low_rank {
            low_value
        } else if (interior..interior + part.len()).contains(&low_rank)
            && (interior..interior + part.len()).contains(&high_rank)
        {
            part[low_rank - interior + 1..].iter().copied().min_by(f64::total_cmp).expect("a value to the right")
        } else {
            resolve(high_rank, &mut part)?
        };
        let fraction = position - position.floor();
        out[k] = if fraction == 0.0 { low_value } else { low_value + fraction * (high_value - low_value) };
    }
    Some(out)
}

/// The kept values inside each bracket (strictly inside, when ends are counted).
fn split_by_bracket(inside: &[f64], brackets: &PointBrackets) -> [Vec<f64>; QUANTILES] {
    let within = |value: f64, (low, high): Bracket| {
        if brackets.count_ends { value > low && value < high } else { value >= low && value <= high }
    };
    let ends = &brackets.ends;
    let disjoint = ends.windows(2).all(|pair| pair[0].1 < pair[1].0);
    let mut parts: [Vec<f64>; QUANTILES] = std::array::from_fn(|_| Vec::with_capacity(inside.len() / QUANTILES));
    if disjoint {
        // Each kept value lies in exactly one bracket: the last whose low end it reaches.
        for &value in inside {
            let k = ends.iter().filter(|(low, _)| value >= *low).count().saturating_sub(1);
            if within(value, ends[k]) {
                parts[k].push(value);
            }
        }
    } else {
        for (k, part) in parts.iter_mut().enumerate() {
            part.extend(inside.iter().copied().filter(|value| within(*value, ends[k])));
        }
    }
    parts
}

impl Engine {
    pub fn new(model: &hir::Model) -> Result<Engine, Diagnostics> {
        Ok(Engine::with_program(model, compile(model)?))
    }

    /// An engine that runs `program`, compiled from `model`.
    pub(crate) fn with_program(model: &hir::Model, program: Program) -> Engine {
        let shapes = constant_shapes(&program);
        let axis_table = program.grid.iter().map(|x| axis_slots(&program, *x)).collect();
        Engine { model: model.clone(), program, shapes, axis_table, wide: wide_vectors_available() }
    }

    pub fn model(&self) -> &hir::Model {
        &self.model
    }

    pub fn program(&self) -> &Program {
        &self.program
    }

    /// The axis grid (one point, 0, without an axis).
    pub fn grid(&self) -> &[f64] {
        &self.program.grid
    }

    fn stride(&self) -> usize {
        4 + self.program.mechanisms.len()
    }

    /// Runs the model and summarises net and the mechanisms at each point.
    pub fn run(&self, options: &RunOptions) -> Result<RunOutput, Diagnostic> {
        self.run_within(options, MEMORY_BUDGET_BYTES)
    }

    /// [`Engine::run`], splitting the grid into passes so that the values
    /// kept for quantiles stay within `budget` bytes.
    fn run_within(&self, options: &RunOptions, budget: usize) -> Result<RunOutput, Diagnostic> {
        check_samples(options.samples)?;
        let all: Vec<usize> = (0..self.program.grid.len()).collect();
        let points = options.points.unwrap_or(&all);
        if let Some(bad) = points.iter().find(|index| **index >= self.program.grid.len()) {
            return Err(Diagnostic::error(format!("grid point {bad} is outside the axis")));
        }
        let work = options.samples.saturating_mul(points.len());
        if work > MAX_SAMPLE_POINTS {
            return Err(Diagnostic::error(format!(
                "{} samples at {} grid points is {} sample-points, more than the limit of {}",
                options.samples,
                points.len(),
                crate::format::significant(work as f64, 3),
                crate::format::significant(MAX_SAMPLE_POINTS as f64, 3),
            ))
            .with_help(format!(
                "use at most {} samples, or a coarser axis step",
                MAX_SAMPLE_POINTS / points.len().max(1)
            )));
        }
        let per_pass = if options.keep_net {
            let bytes_per_point = options.samples.div_ceil(BLOCK) * BLOCK * 8;
            if bytes_per_point.saturating_mul(points.len()) > 4 * MEMORY_BUDGET_BYTES {
                return Err(Diagnostic::error(format!(
                    "keeping {} samples at {} points needs more than {} MiB",
                    options.samples,
                    points.len(),
                    (4 * MEMORY_BUDGET_BYTES) >> 20
                ))
                .with_help("use fewer samples"));
            }
            points.len().max(1)
        } else {
            (budget / kept_bytes_per_point(options.samples)).clamp(1, points.len().max(1))
        };
        let mut net = Vec::with_capacity(points.len());
        let mut mechanism_means = vec![Vec::with_capacity(points.len()); self.program.mechanisms.len()];
        let mut kept = None;
        let mut past_last_non_negative = vec![0u32; if options.crossings { options.samples } else { 0 }];
        for (pass, chunk) in points.chunks(per_pass).enumerate() {
            let (summaries, means, samples, chunk_crossings) = self.run_points(options, chunk)?;
            net.extend(summaries);
            for (all, chunk_means) in mechanism_means.iter_mut().zip(means) {
                all.extend(chunk_means);
            }
            kept = samples;
            // A pass's "one past the last non-negative point" counts from its first point.
            let offset = (pass * per_pass) as u32;
            for (all, past) in past_last_non_negative.iter_mut().zip(chunk_crossings) {
                if past > 0 {
                    *all = offset + past;
                }
            }
        }
        let mechanisms = self
            .program
            .mechanisms
            .iter()
            .zip(mechanism_means)
            .map(|(mechanism, mean)| MechanismSummary { id: mechanism.id.clone(), benefit: mechanism.benefit, mean })
            .collect();
        Ok(RunOutput {
            points: points.iter().map(|index| self.program.grid[*index]).collect(),
            net,
            mechanisms,
            net_samples: kept,
            crossings: options
                .crossings
                .then_some(Crossings { points: points.len(), first_negative: past_last_non_negative }),
        })
    }

    /// Runs `points` in one pass: their summaries, the mechanism means, every
    /// net value when asked, and (when asked) each sample's one past the last
    /// of these points at which its net was not negative.
    #[allow(clippy::type_complexity)]
    fn run_points(
        &self,
        options: &RunOptions,
        points: &[usize],
    ) -> Result<(Vec<PointSummary>, Vec<Vec<f64>>, Option<NetSamples>, Vec<u32>), Diagnostic> {
        let samples = options.samples;
        let blocks = samples.div_ceil(BLOCK);
        if keeps_everything(samples, options.keep_net) {
            let (stats, columns) = self.run_kept(options, points, blocks)?;
            let (mut summaries, means) = self.summarise(&stats, points.len());
            let net_samples = NetSamples { samples, points: points.len(), columns };
            let row = |point: usize| quantiles(&[net_samples.column(point)], &QUANTILE_PROBABILITIES);
            let rows: Vec<Vec<f64>> = if options.parallel {
                (0..points.len()).into_par_iter().map(row).collect()
            } else {
                (0..points.len()).map(row).collect()
            };
            for (summary, row) in summaries.iter_mut().zip(rows) {
                summary.set_quantiles(&row);
            }
            let crossings = sample_crossings(&stats);
            return Ok((summaries, means, options.keep_net.then_some(net_samples), crossings));
        }
        // The pilot: the first blocks, every value kept.
        let pilot_blocks = pilot_blocks(samples);
        let pilot_options = RunOptions { samples: pilot_blocks * BLOCK, ..*options };
        let (mut stats, pilot_columns) = self.run_kept(&pilot_options, points, pilot_blocks)?;
        let pilot = NetSamples { samples: pilot_blocks * BLOCK, points: points.len(), columns: pilot_columns };
        let brackets: Vec<PointBrackets> =
            (0..points.len()).into_par_iter().map(|point| quantile_brackets(&[pilot.column(point)])).collect();
        // The pilot's values, counted against the brackets like the others.
        stats.par_iter_mut().enumerate().for_each_init(
            || (vec![0; BLOCK], vec![0.0; BLOCK]),
            |(flags, scratch), (block, block_stats)| {
                for (slot, bracket) in brackets.iter().enumerate() {
                    let column = &pilot.column(slot)[block * BLOCK..(block + 1) * BLOCK];
                    let counts = &mut block_stats.counts[slot * QUANTILES..(slot + 1) * QUANTILES];
                    scan_point(column, bracket, counts, &mut block_stats.inside, flags, scratch);
                    block_stats.inside_ends.push(block_stats.inside.len() as u32);
                }
            },
        );
        drop(pilot);
        let rest = self.run_blocks(options, points, pilot_blocks..blocks, Keep::Brackets(&brackets), None)?;
        stats.extend(rest);
        let crossings = sample_crossings(&stats);
        let (mut summaries, means) = self.summarise(&stats, points.len());
        let rows: Vec<Option<[f64; QUANTILES]>> = (0..points.len())
            .into_par_iter()
            .map(|point| bracketed_quantiles(&stats, point, samples, &brackets[point]))
            .collect();
        drop(stats);
        for ((summary, row), &point) in summaries.iter_mut().zip(rows).zip(points) {
            match row {
                Some(row) => summary.set_quantiles(&row),
                None => {
                    // A quantile fell outside its bracket (very unlikely): keep every value of this point.
                    let exact = RunOptions { keep_net: true, crossings: false, progress: None, ..*options };
                    let (fallback, _, _, _) = self.run_points(&exact, &[point])?;
                    let f = fallback[0];
                    summary.set_quantiles(&[f.p05, f.p25, f.p50, f.p75, f.p95]);
                }
            }
        }
        Ok((summaries, means, None, crossings))
    }

    /// Runs blocks `0..blocks`, keeping every net value: one column per
    /// point, each block writing its lanes of every column in place.
    fn run_kept(
        &self,
        options: &RunOptions,
        points: &[usize],
        blocks: usize,
    ) -> Result<(Vec<BlockStats>, Vec<Vec<f64>>), Diagnostic> {
        let len = options.samples.min(blocks * BLOCK);
        let mut columns: Vec<Vec<f64>> = points.iter().map(|_| crate::memory::large_unfilled(len)).collect();
        let mut regions: Vec<Vec<&mut [MaybeUninit<f64>]>> =
            (0..blocks).map(|_| Vec::with_capacity(points.len())).collect();
        for column in &mut columns {
            for (block, region) in column.spare_capacity_mut()[..len].chunks_mut(BLOCK).enumerate() {
                regions[block].push(region);
            }
        }
        let stats = self.run_blocks(options, points, 0..blocks, Keep::Nothing, Some(regions))?;
        for column in &mut columns {
            // SAFETY: `run_blocks` returned Ok, so every block of `0..blocks`
            // was evaluated, and `evaluate_block_body` writes the whole of its
            // region of every column: one value per lane, and a block's region
            // holds exactly its lanes.
            unsafe { column.set_len(len) };
        }
        Ok((stats, columns))
    }

    /// Evaluates the blocks in `range` at `points`, in parallel. With `out`
    /// (one entry per block of the range), each block's net values go to its
    /// regions (one per point, as long as the block has lanes), all of which
    /// are written when the result is Ok.
    fn run_blocks(
        &self,
        options: &RunOptions,
        points: &[usize],
        range: Range<usize>,
        keep: Keep,
        out: Option<Vec<Vec<&mut [MaybeUninit<f64>]>>>,
    ) -> Result<Vec<BlockStats>, Diagnostic> {
        let samples = options.samples;
        let run_block = |workspace: &mut BlockWorkspace, block: usize, out: Option<&mut [&mut [MaybeUninit<f64>]]>| {
            // A caller that stops the run by unwinding out of `progress` stops
            // it here, before a block that has not begun is evaluated.
            if let Some(progress) = options.progress {
                progress(0);
            }
            let lanes = BLOCK.min(samples - block * BLOCK);
            let randomness = Randomness::Seeded { seed: options.seed, block: block as u64 };
            let asks = Asks { keep, crossings: options.crossings };
            let stats = self.evaluate_block(workspace, randomness, lanes, points, asks, out);
            if let Some(progress) = options.progress {
                progress((lanes * points.len()) as u64);
            }
            stats
        };
        let results: Vec<Result<BlockStats, Diagnostic>> = match (out, options.parallel) {
            (Some(out), true) => out
                .into_par_iter()
                .zip(range.clone().into_par_iter())
                .map_init(
                    || BlockWorkspace::new(&self.program),
                    |workspace, (mut out, block)| run_block(workspace, block, Some(&mut out)),
                )
                .collect(),
            (None, true) => range
                .clone()
                .into_par_iter()
                .map_init(|| BlockWorkspace::new(&self.program), |workspace, block| run_block(workspace, block, None))
                .collect(),
            (out, false) => {
                let mut workspace = BlockWorkspace::new(&self.program);
                let mut regions = out.map(Vec::into_iter);
                range
                    .clone()
                    .map(|block| {
                        let mut out = regions.as_mut().and_then(Iterator::next);
                        run_block(&mut workspace, block, out.as_deref_mut())
                    })
                    .collect()
            }
        };
        let mut stats = Vec::with_capacity(range.len());
        for result in results {
            stats.push(result?);
        }
        if let Some((block, point)) =
            stats.iter().enumerate().find_map(|(block, s)| s.non_finite.map(|point| (block, point)))
        {
            let block = range.start + block;
            return Err(self.diagnose_non_finite(options.seed, block, samples, self.program.grid[points[point]]));
        }
        Ok(stats)
    }

    /// Combines per-block statistics, in block order, into summaries (without
    /// quantiles) and mechanism means.
    fn summarise(&self, stats: &[BlockStats], points: usize) -> (Vec<PointSummary>, Vec<Vec<f64>>) {
        let stride = self.stride();
        let mut summaries = Vec::with_capacity(points);
        let mut means = vec![Vec::with_capacity(points); self.program.mechanisms.len()];
        for point in 0..points {
            let rows = || stats.iter().map(|block| &block.values[point * stride..(point + 1) * stride]);
            // Deviations are combined in units of the largest spread or gap
            // between block means, so that neither sd = 1e300 overflows nor
            // sd = 1e-300 underflows when squared.
            let first_mean = rows().next().map_or(0.0, |row| row[1]);
            let scale = rows().fold(0.0_f64, |scale, row| scale.max(row[2]).max((row[1] - first_mean).abs()));
            let (mut count, mut mean, mut m2, mut positives) = (0.0, 0.0, 0.0, 0.0);
            let mut sums = vec![0.0; self.program.mechanisms.len()];
            for row in rows() {
                let (n_b, mean_b) = (row[0], row[1]);
                let spread_b = if scale > 0.0 { row[2] / scale } else { 0.0 };
                let total = count + n_b;
                let delta = mean_b - mean;
                mean += delta * (n_b / total);
                let delta = if scale > 0.0 { delta / scale } else { 0.0 };
                m2 += n_b * spread_b * spread_b + delta * delta * (count * n_b / total);
                count = total;
                positives += row[3];
                for (sum, value) in sums.iter_mut().zip(&row[4..]) {
                    *sum += value;
                }
            }
            let sd = if count > 1.0 { scale * (m2 / (count - 1.0)).sqrt() } else { 0.0 };
            summaries.push(PointSummary { mean, sd, p_positive: positives / count, ..PointSummary::default() });
            for (mechanism_means, sum) in means.iter_mut().zip(sums) {
                mechanism_means.push(sum / count);
            }
        }
        (summaries, means)
    }

    fn evaluate_block(
        &self,
        workspace: &mut BlockWorkspace,
        randomness: Randomness,
        lanes: usize,
        points: &[usize],
        asks: Asks,
        out: Option<&mut [&mut [MaybeUninit<f64>]]>,
    ) -> Result<BlockStats, Diagnostic> {
        #[cfg(target_arch = "x86_64")]
        if self.wide {
            // SAFETY: `wide` is true only when the CPU has AVX2 and FMA.
            return unsafe { self.evaluate_block_wide(workspace, randomness, lanes, points, asks, out) };
        }
        self.evaluate_block_body(workspace, randomness, lanes, points, asks, out)
    }

    /// Runs `body` compiled for AVX2 and FMA where the CPU has them, as
    /// [`Engine::evaluate_block_wide`] does for runs: identical results, wider
    /// vectors, and `mul_add` as one instruction rather than a libm call.
    /// `body` must be an `#[inline(always)]` closure: one that is not inlined
    /// into the wrapper is compiled without the features, silently.
    #[inline(always)]
    pub(crate) fn with_wide_vectors<R>(&self, body: impl FnOnce() -> R) -> R {
        #[cfg(target_arch = "x86_64")]
        if self.wide {
            #[target_feature(enable = "avx2,fma")]
            fn wide<R>(body: impl FnOnce() -> R) -> R {
                body()
            }
            // SAFETY: `wide` is true only when the CPU has AVX2 and FMA.
            return unsafe { wide(body) };
        }
        body()
    }

    /// The same code compiled for AVX2: identical results, wider vectors.
    /// (Rust never fuses multiplies and adds on its own, so FMA changes nothing.)
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn evaluate_block_wide(
        &self,
        workspace: &mut BlockWorkspace,
        randomness: Randomness,
        lanes: usize,
        points: &[usize],
        asks: Asks,
        out: Option<&mut [&mut [MaybeUninit<f64>]]>,
    ) -> Result<BlockStats, Diagnostic> {
        self.evaluate_block_body(workspace, randomness, lanes, points, asks, out)
    }

    /// Evaluates one block at every point: its statistics, and its net values
    /// into `out` or counted against brackets, as asked.
    #[inline(always)]
    fn evaluate_block_body(
        &self,
        workspace: &mut BlockWorkspace,
        randomness: Randomness,
        lanes: usize,
        points: &[usize],
        asks: Asks,
        mut out: Option<&mut [&mut [MaybeUninit<f64>]]>,
    ) -> Result<BlockStats, Diagnostic> {
        let Asks { keep, crossings } = asks;
        let program = &self.program;
        let BlockWorkspace { registers, net: net_scratch, kept, flags, term_sums } = workspace;
        run_sample_program(program, &self.shapes, registers, lanes, randomness)?;
        let stride = self.stride();
        let bracketed = matches!(keep, Keep::Brackets(_));
        let mut stats = BlockStats {
            values: vec![0.0; points.len() * stride],
            non_finite: None,
            counts: vec![[0; 3]; points.len() * QUANTILES],
            past_last_non_negative: vec![0; if crossings { lanes } else { 0 }],
            inside: Vec::new(),
            inside_ends: Vec::with_capacity(if bracketed { points.len() } else { 0 }),
        };
        // Mechanism terms without a point factor: their block sums, once.
        term_sums.clear();
        for term in program.mechanisms.iter().flat_map(|mechanism| &mechanism.terms) {
            if term.factor.is_none() {
                term_sums.push(operand_sum(term.coefficient, registers, &[], lanes));
            }
        }
        for (slot, &point) in points.iter().enumerate() {
            let axis = &self.axis_table[point];
            run_point_program(program, registers, lanes, axis);
            let net = match argument(program.net, &registers.sample, &registers.point, axis, lanes) {
                Arg::Column(values) => values,
                Arg::Scalar(value) => {
                    net_scratch[..lanes].fill(value);
                    &net_scratch[..lanes]
                }
            };
            if let Some(out) = out.as_deref_mut() {
                let region = &mut out[slot];
                debug_assert_eq!(region.len(), lanes);
                for (cell, value) in region.iter_mut().zip(net) {
                    cell.write(*value);
                }
            }
            if crossings {
                let past = slot as u32 + 1;
                for (last, value) in stats.past_last_non_negative.iter_mut().zip(net) {
                    if not_negative(*value) {
                        *last = past;
                    }
                }
            }
            let sum = pairwise_sum(net);
            let mean = sum / lanes as f64;
            let (m2, positives) = spread_and_positives(net, mean);
            let spread = rms_deviation(net, mean, m2);
            if !sum.is_finite() && stats.non_finite.is_none() {
                stats.non_finite = Some(slot);
            }
            let row = &mut stats.values[slot * stride..(slot + 1) * stride];
            row[..4].copy_from_slice(&[lanes as f64, mean, spread, positives as f64]);
            let mut sums = term_sums.iter();
            for (total, mechanism) in row[4..].iter_mut().zip(&program.mechanisms) {
                *total = 0.0;
                for term in &mechanism.terms {
                    let sum = match term.factor {
                        None => *sums.next().expect("one sum per term without a factor"),
                        Some(factor) => term_sum(term, factor, registers, axis, lanes),
                    };
                    *total += scalar(term.axis, axis) * sum;
                }
            }
            if let Keep::Brackets(brackets) = keep {
                let counts = &mut stats.counts[slot * QUANTILES..(slot + 1) * QUANTILES];
                scan_point(net, &brackets[slot], counts, &mut stats.inside, flags, kept);
                stats.inside_ends.push(stats.inside.len() as u32);
            }
        }
        // Every block's kept values live until the run's end: without the
        // room a growing vector leaves, they take a third less.
        stats.inside.shrink_to_fit();
        Ok(stats)
    }

    /// The number of independent random draws per sample: the dimension of
    /// the uniform input space that [`Engine::net_from_uniforms`] takes.
    pub fn draw_count(&self) -> usize {
        self.program.draw_count
    }

    /// For each draw, in order, the param (or derived value, or mechanism)
    /// whose expression makes it.
    pub fn draw_owners(&self) -> Vec<&str> {
        self.program
            .sample_steps
            .iter()
            .filter_map(|step| match step {
                SampleStep::Draw(draw) => Some(draw.origin.owner.as_str()),
                SampleStep::Compute(_) => None,
            })
            .collect()
    }

    /// Net at the grid points `points` for rows of given uniforms: row `r`
    /// takes `uniforms[d][r]` in (0, 1) for its d-th draw, turned into a value
    /// by that distribution's quantile function. Returns `[point][row]`.
    /// This makes the model a deterministic function of `draw_count()`
    /// independent uniforms, as variance-based sensitivity analysis needs.
    pub fn net_from_uniforms(&self, uniforms: &[Vec<f64>], points: &[usize]) -> Result<Vec<Vec<f64>>, Diagnostic> {
        if uniforms.len() != self.program.draw_count {
            return Err(Diagnostic::error(format!(
                "expected {} columns of uniforms, one per draw, but got {}",
                self.program.draw_count,
                uniforms.len()
            )));
        }
        let rows = uniforms.first().map_or(1, Vec::len);
        if uniforms.iter().any(|column| column.len() != rows) {
            return Err(Diagnostic::error("the columns of uniforms differ in length"));
        }
        if let Some(bad) = points.iter().find(|index| **index >= self.program.grid.len()) {
            return Err(Diagnostic::error(format!("grid point {bad} is outside the axis")));
        }
        let blocks = rows.div_ceil(BLOCK);
        let results: Vec<Result<Vec<Vec<f64>>, Diagnostic>> = (0..blocks)
            .into_par_iter()
            .map_init(
                || Workspace::new(&self.program),
                |workspace, block| {
                    self.with_wide_vectors(
                        #[inline(always)]
                        || {
                            let start = block * BLOCK;
                            let lanes = BLOCK.min(rows - start);
                            let columns: Vec<&[f64]> =
                                uniforms.iter().map(|column| &column[start..start + lanes]).collect();
                            run_sample_program(
                                &self.program,
                                &self.shapes,
                                workspace,
                                lanes,
                                Randomness::Uniforms(&columns),
                            )?;
                            let mut out = Vec::with_capacity(points.len());
                            for &point in points {
                                let axis = &self.axis_table[point];
                                run_point_program(&self.program, workspace, lanes, axis);
                                let mut net = vec![0.0; lanes];
                                copy_operand(self.program.net, workspace, axis, &mut net);
                                out.push(net);
                            }
                            Ok(out)
                        },
                    )
                },
            )
            .collect();
        let mut by_point = vec![Vec::with_capacity(rows); points.len()];
        for result in results {
            for (column, part) in by_point.iter_mut().zip(result?) {
                column.extend_from_slice(&part);
            }
        }
        if let Some(bad) = by_point.iter().flatten().find(|value| !value.is_finite()) {
            return Err(Diagnostic::error(format!("the model gives {bad} for some inputs"))
                .with_help("run `crux run` on the model to find the expression that produces it"));
        }
        Ok(by_point)
    }

    /// Every param's value in every sample, `[param][sample]` (params indexed
    /// as in the model file), drawn from the same random streams as
    /// [`Engine::run`] with this seed: sample `i` here is sample `i` there.
    pub fn param_samples(&self, samples: usize, seed: u64) -> Result<Vec<Vec<f64>>, Diagnostic> {
        let all: Vec<usize> = (0..self.program.params.len()).collect();
        self.param_columns(samples, seed, &all)
    }

    /// The values of the params `params` (indices as in the model file) in
    /// every sample, as [`Engine::param_samples`] draws them, for a caller
    /// that keeps a few columns at a time. Each block writes its lanes of
    /// every column in place.
    pub fn param_columns(&self, samples: usize, seed: u64, params: &[usize]) -> Result<Vec<Vec<f64>>, Diagnostic> {
        check_samples(samples)?;
        if let Some(bad) = params.iter().find(|param| **param >= self.program.params.len()) {
            return Err(Diagnostic::error(format!("param {bad} is not one of the model's")));
        }
        let mut columns: Vec<Vec<f64>> = params.iter().map(|_| vec![0.0; samples]).collect();
        let blocks = samples.div_ceil(BLOCK);
        let mut regions: Vec<Vec<&mut [f64]>> = (0..blocks).map(|_| Vec::with_capacity(params.len())).collect();
        for column in &mut columns {
            for (block, region) in column.chunks_mut(BLOCK).enumerate() {
                regions[block].push(region);
            }
        }
        regions.into_par_iter().enumerate().try_for_each_init(
            || Workspace::new(&self.program),
            |workspace, (block, mut regions)| {
                self.with_wide_vectors(
                    #[inline(always)]
                    || {
                        let lanes = BLOCK.min(samples - block * BLOCK);
                        run_sample_program(
                            &self.program,
                            &self.shapes,
                            workspace,
                            lanes,
                            Randomness::Seeded { seed, block: block as u64 },
                        )?;
                        for (region, param) in regions.iter_mut().zip(params) {
                            copy_operand(self.program.params[*param], workspace, &[], region);
                        }
                        Ok(())
                    },
                )
            },
        )?;
        Ok(columns)
    }

    /// The values of the params at indices `params` (as in the model file)
    /// for rows of given uniforms, as [`Engine::net_from_uniforms`] takes
    /// them: `[param][row]`, so that an analysis can pair each row's net with
    /// the params that made it (what a study of a param would observe).
    pub fn params_from_uniforms(&self, uniforms: &[Vec<f64>], params: &[usize]) -> Result<Vec<Vec<f64>>, Diagnostic> {
        if uniforms.len() != self.program.draw_count {
            return Err(Diagnostic::error(format!(
                "expected {} columns of uniforms, one per draw, but got {}",
                self.program.draw_count,
                uniforms.len()
            )));
        }
        if let Some(bad) = params.iter().find(|index| **index >= self.program.params.len()) {
            return Err(Diagnostic::error(format!("the model has no param number {bad}")));
        }
        let rows = uniforms.first().map_or(1, Vec::len);
        if uniforms.iter().any(|column| column.len() != rows) {
            return Err(Diagnostic::error("the columns of uniforms differ in length"));
        }
        let blocks = rows.div_ceil(BLOCK);
        let results: Vec<Result<Vec<Vec<f64>>, Diagnostic>> = (0..blocks)
            .into_par_iter()
            .map_init(
                || Workspace::new(&self.program),
                |workspace, block| {
                    let start = block * BLOCK;
                    let lanes = BLOCK.min(rows - start);
                    let columns: Vec<&[f64]> = uniforms.iter().map(|column| &column[start..start + lanes]).collect();
                    run_sample_program(&self.program, &self.shapes, workspace, lanes, Randomness::Uniforms(&columns))?;
                    Ok(params
                        .iter()
                        .map(|index| {
                            let mut column = vec![0.0; lanes];
                            copy_operand(self.program.params[*index], workspace, &[], &mut column);
                            column
                        })
                        .collect())
                },
            )
            .collect();
        let mut columns = vec![Vec::with_capacity(rows); params.len()];
        for result in results {
            for (column, part) in columns.iter_mut().zip(result?) {
                column.extend_from_slice(&part);
            }
        }
        Ok(columns)
    }

    /// Explains a non-finite net: re-runs the block without register sharing
    /// and follows the non-finite value back to the expression that made it.
    pub(crate) fn diagnose_non_finite(&self, seed: u64, block: usize, samples: usize, x: f64) -> Diagnostic {
        let generic = || Diagnostic::error("the model produced a value that is not a finite number");
        let Ok(program) = compile_with(&self.model, false) else { return generic() };
        let shapes = constant_shapes(&program);
        let mut workspace = Workspace::new(&program);
        let lanes = BLOCK.min(samples - block * BLOCK);
        if let Err(error) = run_sample_program(
            &program,
            &shapes,
            &mut workspace,
            lanes,
            Randomness::Seeded { seed, block: block as u64 },
        ) {
            return error;
        }
        let axis = axis_slots(&program, x);
        run_point_program(&program, &mut workspace, lanes, &axis);
        let Some(lane) = (0..lanes).find(|lane| !lane_value(program.net, &workspace, &axis, *lane).is_finite()) else {
            return generic();
        };
        let Some((origin, inputs, value)) = trace_non_finite(&program, &workspace, &axis, program.net, lane) else {
            return generic();
        };
        let what = if value.is_nan() { "NaN (not a number)".to_string() } else { short(value) };
        let place = match &self.model.file.axis {
            Some(axis) => format!(" at {} = {}", axis.name.name, short(x)),
            None => String::new(),
        };
        let inputs: Vec<String> = inputs.iter().map(|v| short(*v)).collect();
        Diagnostic::error(format!(
            "`{}` evaluates to {what} in sample {}{place}",
            origin.owner,
            block * BLOCK + lane + 1
        ))
        .at(origin.span)
        .with_label(format!("this gives {what}"))
        .with_help(format!("its inputs there were ({}); check the ranges of the params it uses", inputs.join(", ")))
    }
}

pub(crate) fn check_samples(samples: usize) -> Result<(), Diagnostic> {
    if samples == 0 {
        return Err(Diagnostic::error("the number of samples must be at least 1"));
    }
    if samples > MAX_SAMPLES {
        return Err(Diagnostic::error(format!("{samples} samples is more than the limit of {MAX_SAMPLES}"))
            .with_help("10^5 to 10^7 samples give Monte Carlo errors well below the model's own uncertainty"));
    }
    Ok(())
}

/// Whether this CPU can run the AVX2 build of the kernels.
fn wide_vectors_available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

#[inline(always)]
pub(crate) fn copy_operand(operand: Operand, workspace: &Workspace, axis: &[f64], out: &mut [f64]) {
    match argument(operand, &workspace.sample, &workspace.point, axis, out.len()) {
        Arg::Column(values) => out.copy_from_slice(values),
        Arg::Scalar(value) => out.fill(value),
    }
}

#[inline(always)]
fn operand_sum(operand: Operand, workspace: &Workspace, axis: &[f64], lanes: usize) -> f64 {
    match argument(operand, &workspace.sample, &workspace.point, axis, lanes) {
        Arg::Column(values) => pairwise_sum(values),
        Arg::Scalar(value) => value * lanes as f64,
    }
}

/// The block sum of a mechanism term's `coefficient * factor`.
#[inline(always)]
fn term_sum(term: &Term, factor: Operand, workspace: &Workspace, axis: &[f64], lanes: usize) -> f64 {
    let coefficient = argument(term.coefficient, &workspace.sample, &workspace.point, axis, lanes);
    match (coefficient, argument(factor, &workspace.sample, &workspace.point, axis, lanes)) {
        (Arg::Column(coefficient), Arg::Column(factor)) => dot(coefficient, factor),
        (Arg::Scalar(coefficient), Arg::Column(values)) | (Arg::Column(values), Arg::Scalar(coefficient)) => {
            coefficient * pairwise_sum(values)
        }
        (Arg::Scalar(coefficient), Arg::Scalar(factor)) => coefficient * factor * lanes as f64,
    }
}

/// The value of a constant or axis-level operand.
#[inline(always)]
pub(crate) fn scalar(operand: Operand, axis: &[f64]) -> f64 {
    match operand {
        Operand::Const(value) => value,
        Operand::Axis(slot) => axis[slot as usize],
        Operand::Sample(_) | Operand::Point(_) => f64::NAN,
    }
}

/// `sum(a[i] * b[i])` with eight running partial sums (vectorisable and deterministic).
#[inline(always)]
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut partial = [0.0; 8];
    let a_chunks = a.chunks_exact(8);
    let b_chunks = b.chunks_exact(8);
    let (a_rest, b_rest) = (a_chunks.remainder(), b_chunks.remainder());
    for (x, y) in a_chunks.zip(b_chunks) {
        for lane in 0..8 {
            partial[lane] += x[lane] * y[lane];
        }
    }
    let mut total = ((partial[0] + partial[1]) + (partial[2] + partial[3]))
        + ((partial[4] + partial[5]) + (partial[6] + partial[7]));
    for (x, y) in a_rest.iter().zip(b_rest) {
        total += x * y;
    }
    total
}

/// The sum of squared deviations from `mean`, and the count of positive
/// values, with eight running partial sums (vectorisable and deterministic).
#[inline(always)]
fn spread_and_positives(values: &[f64], mean: f64) -> (f64, usize) {
    let mut squares = [0.0; 8];
    let mut positives = [0u64; 8];
    let chunks = values.chunks_exact(8);
    let rest = chunks.remainder();
    for chunk in chunks {
        for lane in 0..8 {
            let deviation = chunk[lane] - mean;
            squares[lane] += deviation * deviation;
            positives[lane] += u64::from(chunk[lane] > 0.0);
        }
    }
    let mut m2 = ((squares[0] + squares[1]) + (squares[2] + squares[3]))
        + ((squares[4] + squares[5]) + (squares[6] + squares[7]));
    let mut count: u64 = positives.iter().sum();
    for value in rest {
        m2 += (value - mean) * (value - mean);
        count += u64::from(*value > 0.0);
    }
    (m2, count as usize)
}

/// The root-mean-square deviation of `values` from `mean`, given their sum
/// of squared deviations `m2`. When `m2` overflowed or is too small to be
/// exact (deviations beyond about 1e154 or below 1e-140), the deviations are
/// summed again in units of the largest one.
fn rms_deviation(values: &[f64], mean: f64, m2: f64) -> f64 {
    let count = values.len() as f64;
    if m2.is_finite() && m2 > 1e-280 {
        return (m2 / count).sqrt();
    }
    let scale = values.iter().fold(0.0_f64, |scale, value| scale.max((value - mean).abs()));
    if scale == 0.0 || !scale.is_finite() {
        return scale;
    }
    let squares: f64 = values.iter().map(|value| ((value - mean) / scale).powi(2)).sum();
    scale * (squares / count).sqrt()
}

/// A sum in a fixed order with eight running partial sums (vectorisable and deterministic).
#[inline(always)]
fn pairwise_sum(values: &[f64]) -> f64 {
    let mut partial = [0.0; 8];
    let chunks = values.chunks_exact(8);
    let rest = chunks.remainder();
    for chunk in chunks {
        for (sum, value) in partial.iter_mut().zip(chunk) {
            *sum += value;
        }
    }
    let mut total = ((partial[0] + partial[1]) + (partial[2] + partial[3]))
        + ((partial[4] + partial[5]) + (partial[6] + partial[7]));
    for value in rest {
        total += value;
    }
    total
}

/// Follows a non-finite value at `lane` back through the instructions that
/// computed it, to the first one whose (relevant) inputs were all finite.
fn trace_non_finite(
    program: &Program,
    workspace: &Workspace,
    axis: &[f64],
    mut operand: Operand,
    lane: usize,
) -> Option<(Origin, Vec<f64>, f64)> {
    loop {
        let value = lane_value(operand, workspace, axis, lane);
        let (instr, origin) = match operand {
            Operand::Const(_) => return None,
            Operand::Axis(slot) => {
                let instr = program.axis_steps.iter().find(|instr| instr.dst == slot)?;
                (instr, &instr.origin)
            }
            Operand::Point(register) => {
                let instr = program.point_steps.iter().find(|instr| instr.dst == register)?;
                (instr, &instr.origin)
            }
            Operand::Sample(register) => {
                let step = program.sample_steps.iter().find(|step| match step {
                    SampleStep::Draw(draw) => draw.dst == register,
                    SampleStep::Compute(instr) => instr.dst == register,
                })?;
                match step {
                    SampleStep::Draw(draw) => {
                        let inputs =
                            draw.dist.operands().iter().map(|o| lane_value(*o, workspace, axis, lane)).collect();
                        return Some((draw.origin.clone(), inputs, value));
                    }
                    SampleStep::Compute(instr) => (instr, &instr.origin),
                }
            }
        };
        let inputs: Vec<f64> = instr.args.iter().map(|o| lane_value(*o, workspace, axis, lane)).collect();
        let relevant: Vec<usize> = match instr.op {
            Op::Select => vec![0, if crate::math::truth(inputs[0]) { 1 } else { 2 }],
            Op::Pick => vec![0, 1 + (inputs[0] as usize).min(inputs.len() - 2)],
            _ => (0..inputs.len()).collect(),
        };
        match relevant.into_iter().find(|index| !inputs[*index].is_finite()) {
            Some(index) => operand = instr.args[index],
            None => return Some((origin.clone(), inputs, value)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn engine(text: &str) -> Engine {
        let mut sources = crux_lang::Sources::new();
        let file = sources.add("test.toml", text);
        let model = crux_lang::load(&mut sources, file).expect("test model loads");
        Engine::new(&model).expect("test model compiles")
    }

    fn ref_v1() -> Engine {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../bench/ref-v1.toml");
        engine(&std::fs::read_to_string(path).expect("bench/ref-v1.toml is in the repository"))
    }

    #[test]
    fn bracketed_quantiles_equal_those_of_every_value_kept() {
        let engine = ref_v1();
        for (samples, seed) in [(100_000, 3), (140_001, 4)] {
            assert!(!keeps_everything(samples, false), "{samples} samples should use brackets");
            let streamed = engine.run(&RunOptions::new(samples, seed)).unwrap();
            let kept = engine.run(&RunOptions { keep_net: true, ..RunOptions::new(samples, seed) }).unwrap();
            assert_eq!(streamed.net, kept.net, "{samples} samples");
            assert_eq!(streamed.mechanisms, kept.mechanisms);
            let net_samples = kept.net_samples.expect("kept");
            for point in [0, 30, 60] {
                let mut values: Vec<f64> = net_samples.column(point).to_vec();
                values.sort_by(f64::total_cmp);
                let position = 0.25 * (samples - 1) as f64;
                let low = position.floor() as usize;
                let expected = values[low] + (position - low as f64) * (values[low + 1] - values[low]);
                assert_eq!(streamed.net[point].p25, expected, "p25 at point {point}");
            }
        }
    }

    #[test]
    fn a_run_stopped_from_progress_begins_no_further_block() {
        use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
        struct Stopped;
        let engine = ref_v1();
        let (finished, stop) = (AtomicUsize::new(0), AtomicBool::new(false));
        // Counts every evaluated block, then stops the run once one has.
        let progress = |work: u64| {
            if work > 0 {
                finished.fetch_add(1, Ordering::Relaxed);
            }
            if stop.load(Ordering::Relaxed) {
                std::panic::resume_unwind(Box::new(Stopped));
            }
            stop.store(work > 0, Ordering::Relaxed);
        };
        let options = RunOptions { progress: Some(&progress), parallel: false, ..RunOptions::new(20 * BLOCK, 1) };
        let unwound = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| engine.run(&options)));
        let payload = unwound.expect_err("the run stops");
        assert!(payload.is::<Stopped>());
        // The first block finished and asked to stop; the second never began.
        assert_eq!(finished.load(Ordering::Relaxed), 1);
    }

    #[test]
    fn results_are_identical_on_one_two_and_four_threads() {
        let engine = ref_v1();
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            pool.install(|| engine.run(&RunOptions::new(150_000, 11)).unwrap())
        };
        let one = run(1);
        for threads in [2, 4] {
            let other = run(threads);
            assert_eq!(one.points, other.points);
            assert_eq!(one.net, other.net, "{threads} threads");
            assert_eq!(one.mechanisms, other.mechanisms, "{threads} threads");
        }
    }

    #[test]
    fn a_run_on_the_calling_thread_gives_the_same_results_as_a_parallel_one() {
        let engine = ref_v1();
        for samples in [10_000, 150_000] {
            let parallel = engine.run(&RunOptions { keep_net: true, ..RunOptions::new(samples, 3) }).unwrap();
            let alone =
                engine.run(&RunOptions { keep_net: true, parallel: false, ..RunOptions::new(samples, 3) }).unwrap();
            assert_eq!(parallel.net, alone.net, "{samples} samples");
            assert_eq!(parallel.mechanisms, alone.mechanisms, "{samples} samples");
            let (a, b) = (parallel.net_samples.unwrap(), alone.net_samples.unwrap());
            assert!((0..samples).step_by(997).all(|sample| a.get(sample, 30).to_bits() == b.get(sample, 30).to_bits()));
        }
        // A large run that brackets its quantiles instead of keeping every value.
        let parallel = engine.run(&RunOptions::new(150_000, 3)).unwrap();
        let alone = engine.run(&RunOptions { parallel: false, ..RunOptions::new(150_000, 3) }).unwrap();
        assert_eq!(parallel.net, alone.net);
    }

    #[test]
    fn crossings_found_block_by_block_equal_those_of_every_value_kept() {
        let engine = ref_v1();
        // Small runs keep every value; larger ones bracket quantiles; a small
        // budget splits the grid into passes whose crossings are combined.
        for (samples, budget) in [(3_000, MEMORY_BUDGET_BYTES), (150_000, MEMORY_BUDGET_BYTES), (150_000, 4 << 20)] {
            let found = RunOptions { crossings: true, ..RunOptions::new(samples, 11) };
            let found = engine.run_within(&found, budget).unwrap();
            let kept = engine.run(&RunOptions { keep_net: true, ..RunOptions::new(samples, 11) }).unwrap();
            let (found, kept) = (found.crossings.unwrap(), Crossings::of(kept.net_samples.as_ref().unwrap()));
            assert_eq!(found, kept, "{samples} samples within {budget} bytes");
            // Not a trivial answer: some samples cross at a point inside the grid and some never do.
            assert!(found.iter().any(|crossing| crossing.is_some_and(|index| index > 0)));
            assert!(found.iter().any(|crossing| crossing.is_none()));
        }
    }

    #[test]
    fn the_avx2_path_gives_the_portable_path_s_results_bit_for_bit() {
        let wide = ref_v1();
        if !wide.wide {
            eprintln!("skipped: this CPU has no AVX2 and FMA, so both paths are the portable one");
            return;
        }
        let portable = Engine { wide: false, ..wide.clone() };
        let options = RunOptions { keep_net: true, ..RunOptions::new(5_000, 4) };
        let (a, b) = (wide.run(&options).unwrap(), portable.run(&options).unwrap());
        assert_eq!(a.net, b.net);
        assert_eq!(a.mechanisms, b.mechanisms);
        let (a, b) = (a.net_samples.unwrap(), b.net_samples.unwrap());
        assert!((0..5_000).all(|sample| a.get(sample, 40).to_bits() == b.get(sample, 40).to_bits()));
        assert_eq!(wide.param_samples(3_000, 4).unwrap(), portable.param_samples(3_000, 4).unwrap());
        let uniforms: Vec<Vec<f64>> = (0..wide.draw_count())
            .map(|draw| (0..2_000).map(|row| ((row * 7919 + draw * 104_729) % 1999) as f64 / 1999.0 + 2.5e-4).collect())
            .collect();
        let points = [0, 30, 40, 60];
        assert_eq!(
            wide.net_from_uniforms(&uniforms, &points).unwrap(),
            portable.net_from_uniforms(&uniforms, &points).unwrap()
        );
    }

    #[test]
    fn a_model_with_ties_at_a_quantile_still_gets_exact_quantiles() {
        // Net is exactly 0 in about 60% of samples: the brackets of p05..p50 collapse to 0.
        let text = "[model]\nid = \"ties\"\n\n[axis]\nname = \"c\"\nfrom = 0\nto = 1\nstep = 0.5\n\n[params]\ngate = \"bernoulli(0.4)\"\nsize = \"1 to 10\"\n\n[mechanisms.gated]\nside = \"benefit\"\neffect = \"gate * size * (1 + c)\"\n";
        let engine = engine(text);
        let streamed = engine.run(&RunOptions::new(120_000, 5)).unwrap();
        let kept = engine.run(&RunOptions { keep_net: true, ..RunOptions::new(120_000, 5) }).unwrap();
        assert_eq!(streamed.net, kept.net);
        assert_eq!(streamed.net[0].p50, 0.0);
        assert!(streamed.net[0].p95 > 1.0);
    }

    fn scanned(values: &[f64], brackets: &PointBrackets) -> BlockStats {
        let mut stats = BlockStats {
            values: Vec::new(),
            non_finite: None,
            counts: vec![[0; 3]; QUANTILES],
            past_last_non_negative: Vec::new(),
            inside: Vec::new(),
            inside_ends: Vec::new(),
        };
        let (mut flags, mut scratch) = (vec![0; values.len()], vec![0.0; values.len()]);
        scan_point(values, brackets, &mut stats.counts, &mut stats.inside, &mut flags, &mut scratch);
        stats.inside_ends.push(stats.inside.len() as u32);
        stats
    }

    #[test]
    fn a_quantile_outside_its_bracket_is_reported_as_a_miss() {
        let values: Vec<f64> = (0..1000).map(|i| ((i * 7919) % 1000) as f64).collect();
        let ends = [(40.0, 60.0), (240.0, 260.0), (490.0, 510.0), (740.0, 760.0), (940.0, 960.0)];
        for count_ends in [false, true] {
            let good = PointBrackets { ends, count_ends };
            let stats = [scanned(&values[..500], &good), scanned(&values[500..], &good)];
            let found = bracketed_quantiles(&stats, 0, 1000, &good).expect("inside");
            assert_eq!(found, [49.95, 249.75, 499.5, 749.25, 949.05]);
            let mut bad = good;
            bad.ends[2] = (501.0, 510.0);
            let stats = [scanned(&values[..500], &bad), scanned(&values[500..], &bad)];
            assert_eq!(bracketed_quantiles(&stats, 0, 1000, &bad), None);
        }
    }

    #[test]
    fn brackets_that_overlap_or_sit_on_ties_give_exact_quantiles() {
        // 600 zeros, then 400 distinct positive values.
        let values: Vec<f64> = (0..1000).map(|i| if i % 5 < 3 { 0.0 } else { i as f64 }).collect();
        let mut sorted = values.clone();
        sorted.sort_by(f64::total_cmp);
        let exact: [f64; QUANTILES] = std::array::from_fn(|k| {
            let position = QUANTILE_PROBABILITIES[k] * 999.0;
            let low = position.floor() as usize;
            sorted[low] + (position - low as f64) * (sorted[low + 1] - sorted[low])
        });
        let ends = [(0.0, 0.0), (0.0, 0.0), (0.0, 0.0), (0.0, 600.0), (500.0, 999.0)];
        for count_ends in [false, true] {
            let brackets = PointBrackets { ends, count_ends };
            let stats = [scanned(&values[..300], &brackets), scanned(&values[300..], &brackets)];
            assert_eq!(bracketed_quantiles(&stats, 0, 1000, &brackets), Some(exact), "count_ends {count_ends}");
            let kept: usize = stats.iter().map(|block| block.inside.len()).sum();
            if count_ends {
                assert!(kept < 400, "ties are counted, not kept ({kept} kept)");
            }
        }
    }

    #[test]
    fn scanning_counts_and_keeps_like_a_plain_loop() {
        let values: Vec<f64> = (0..1021).map(|i| (i as f64 * 0.37).sin() * 10.0).collect();
        let ends = [(-9.0, -8.0), (-3.0, -1.0), (-0.5, 0.5), (0.4, 2.0), (9.5, f64::INFINITY)];
        let stats = scanned(&values, &PointBrackets { ends, count_ends: false });
        for (k, (low, _)) in ends.iter().enumerate() {
            assert_eq!(stats.counts[k][0] as usize, values.iter().filter(|v| *v < low).count());
        }
        let expected: Vec<f64> =
            values.iter().copied().filter(|v| ends.iter().any(|(low, high)| v >= low && v <= high)).collect();
        assert_eq!(stats.inside, expected);
    }

    #[test]
    fn pilot_sizes_and_memory_estimates_stay_within_the_budget_at_ten_million_samples() {
        assert_eq!(pilot_blocks(100_000), PILOT_MIN_BLOCKS);
        assert!(pilot_blocks(10_000_000) > PILOT_MIN_BLOCKS);
        assert!(61 * kept_bytes_per_point(10_000_000) < MEMORY_BUDGET_BYTES, "ref-v1 runs in one pass");
    }
}
