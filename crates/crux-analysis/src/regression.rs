//! Regression estimates of the expected value of partial perfect information
//! (Strong, Oakley and Brennan 2014), and the small dense least squares they
//! need.
//!
//! Given `N` joint samples of every draw and the value `y` of a decision's
//! option at each (net, for "release iff E[net] > 0"), the conditional mean
//! `E[y | G]` of a group `G` of draws is estimated by regressing `y` on
//! functions of the group's draws. The plug-in estimate of Strong, Oakley and
//! Brennan reads the EVPPI off the fitted values `m_i`:
//! `mean_i max(m_i, 0) - max(mean_i m_i, 0)`. It is exact when the regression
//! is, but where it is not (a product of skewed draws fitted by a sum) the
//! fitted values cross 0 where the conditional mean does not, and the
//! estimate can exceed even the EVPI. So the estimate reported is
//! cross-fitted instead: the sample is split in halves, and each row's
//! decision (release iff its fitted value from the *other* half's regression
//! is positive; for `k` options, the option with the largest fitted value)
//! is valued at the row's own values of net, less the value of the decision
//! taken now:
//!
//! `EVPPI = mean_i (y_i[d(g_i)] - y_i[d_now])`.
//!
//! That is the gain of a decision rule that could really be followed, so its
//! expectation is at most the EVPPI (a rule fitted worse gains less) and a
//! group that does not change net gets at most 0 in expectation, as with the
//! nested design of [`crate::voi`]; where the regression is right it is the
//! EVPPI, with the Monte Carlo error of a mean over `N` rows, which is its
//! standard error (`sd(gain_i) / sqrt(N)`, conservative for the scrambled
//! Sobol' points the sample is made of). The plug-in estimate is kept beside
//! it ([`Fitted::plug_in`]) for comparison with other software.

//! The regression ([`Design`]) works on each draw's normal score
//! `z = Phi^-1(u)` of its uniform `u` (computed once per draw by the caller), so that a normal param is linear in its
//! input and a lognormal one exponential, never a function with a pole at
//! `u = 0` or `1`:
//!
//! - a continuous draw enters as a natural cubic spline in `z` (linear beyond
//!   its outer knots, so that the tails extrapolate and do not wiggle), with
//!   knots at fixed quantiles of `u` between 2% and 98%;
//! - a discrete draw with constant probabilities (bernoulli, a mixture's
//!   component) enters as the indicators of its outcomes, which span every
//!   function of it.
//!
//! Two designs, chosen by the group's number of draws `d`:
//!
//! - `d <= 4`, [`Kind::Smooth`]: a GAM-like fit, each draw's spline with
//!   [`SMOOTH_KNOTS`] knots, plus for every pair of draws the tensor product
//!   of `(z, one spline term)` with the other's (4 columns a pair): at most
//!   53 columns;
//! - `d > 4`, [`Kind::Additive`]: each draw's spline with [`ADDITIVE_KNOTS`]
//!   knots, plus the products `z_i z_j` of the [`PAIRED_DRAWS`] draws most
//!   correlated with `y` (the low-order interactions that matter most are
//!   between the draws that matter most). A Gaussian process would be more
//!   flexible but costs `O(n^3)` on a subsample and needs its length scales
//!   fitted; this fit costs `O(N p^2)` in one pass, and is exact when the
//!   conditional mean is additive in smooth functions of the draws, which is
//!   how models of sums of mechanisms are built.
//!
//! Columns are scaled to unit norm before a Cholesky factorisation of the
//! normal equations; a column that adds nothing beyond the columns before it
//! (a pivot under 10^-10 of its scale) is dropped, so collinear indicators
//! need no special care.
//!
//! Sums over rows are taken in blocks of fixed size combined in block
//! order, so a seed gives the same estimate on any thread count.

use crux_engine::math::normal_quantile;
use rayon::prelude::*;

/// Knots of each draw's spline in a group of at most four draws.
pub const SMOOTH_KNOTS: usize = 8;
/// Knots of each draw's spline in a group of more than four draws.
pub const ADDITIVE_KNOTS: usize = 5;
/// The most draws a group of more than four draws takes pairwise products of.
pub const PAIRED_DRAWS: usize = 8;
/// The most distinct values a column may have to enter as indicators.
pub const MAX_LEVELS: usize = 32;
/// The most draws a group may have for the smooth design.
pub const SMOOTH_MAX_DRAWS: usize = 4;

/// Rows per block of the sums.
const BLOCK_ROWS: usize = 4096;
/// Blocks summed in parallel before their partial sums are added in order.
const BLOCKS_PER_WAVE: usize = 64;

/// Which regression a group gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Splines of each draw and tensor products of pairs (1 to 4 draws).
    Smooth,
    /// Splines of each draw and products of the main draws' scores (5 or more).
    Additive,
}

impl Kind {
    /// The kind for a group of `draws` draws.
    pub fn for_draws(draws: usize) -> Kind {
        if draws <= SMOOTH_MAX_DRAWS { Kind::Smooth } else { Kind::Additive }
    }
}

/// How one column (a draw's uniform, or a value such as a study's result)
/// becomes regression inputs.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// The indicators `u > cut` for each cut in (0, 1): a discrete draw's uniform.
    Steps(Vec<f64>),
    /// A natural cubic spline in the value, with these knots (ascending, at
    /// least 2): a draw's normal score, or a value such as a study's result.
    Direct(Vec<f64>),
    /// The indicators `value == level` for each level: a value with few outcomes.
    Levels(Vec<f64>),
}

impl Input {
    /// A spline of a draw's normal score `z = Phi^-1(u)` (the column given
    /// must hold the scores), with `knots` knots at evenly spaced quantiles
    /// of `u` from 2% to 98%.
    pub fn spline(knots: usize) -> Input {
        let knots = knots.max(2);
        Input::Direct((0..knots).map(|k| normal_quantile(0.02 + 0.96 * k as f64 / (knots - 1) as f64)).collect())
    }

    /// The input for a column of values: indicators of each value but the
    /// smallest for at most [`MAX_LEVELS`] distinct values, else a spline with
    /// `knots` knots at its quantiles from 2% to 98%.
    pub fn for_values(values: &[f64], knots: usize) -> Input {
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        let mut distinct = sorted.clone();
        distinct.dedup();
        if distinct.len() <= MAX_LEVELS {
            return Input::Levels(distinct.into_iter().skip(1).collect());
        }
        let knots = knots.max(2);
        let last = sorted.len() - 1;
        let mut at: Vec<f64> = (0..knots)
            .map(|k| sorted[((0.02 + 0.96 * k as f64 / (knots - 1) as f64) * last as f64).round() as usize])
            .collect();
        at.dedup();
        if at.len() < 2 {
            at = vec![sorted[0], sorted[last]];
        }
        Input::Direct(at)
    }

    /// The number of functions (columns) this input gives, without the intercept.
    pub fn len(&self) -> usize {
        match self {
            Input::Direct(knots) => knots.len() - 1,
            Input::Steps(cuts) | Input::Levels(cuts) => cuts.len(),
        }
    }

    /// Whether the input gives no column.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The functions' values at uniform `u`, into `out` (`len()` values).
    fn eval(&self, u: f64, out: &mut [f64]) {
        match self {
            Input::Direct(knots) => natural_spline(knots, u, out),
            Input::Steps(cuts) => {
                for (value, cut) in out.iter_mut().zip(cuts) {
                    *value = if u > *cut { 1.0 } else { 0.0 };
                }
            }
            Input::Levels(levels) => {
                for (value, level) in out.iter_mut().zip(levels) {
                    *value = if u == *level { 1.0 } else { 0.0 };
                }
            }
        }
    }

    /// The index of the column to pair with others besides the first: a
    /// spline's middle curvature term, or none.
    fn second(&self) -> Option<usize> {
        match self {
            Input::Direct(knots) if knots.len() >= 3 => Some(1 + (knots.len() - 2) / 2),
            Input::Steps(cuts) | Input::Levels(cuts) if cuts.len() >= 2 => Some(1),
            _ => None,
        }
    }
}

/// The natural cubic spline basis with `knots` at `x` (Hastie, Tibshirani
/// and Friedman, eq. 5.4-5.5): `x`, then `d_k(x) - d_{K-1}(x)` for the first
/// `K - 2` knots, where `d_k(x) = ((x - k)^3_+ - (x - K)^3_+) / (K - k)`.
fn natural_spline(knots: &[f64], x: f64, out: &mut [f64]) {
    out[0] = x;
    let last = knots[knots.len() - 1];
    let cube = |knot: f64| {
        let d = x - knot;
        if d > 0.0 { d * d * d } else { 0.0 }
    };
    let tail = cube(last);
    let before = knots[knots.len() - 2];
    let d_before = (cube(before) - tail) / (last - before);
    for (k, knot) in knots[..knots.len() - 2].iter().enumerate() {
        out[k + 1] = (cube(*knot) - tail) / (last - knot) - d_before;
    }
}

/// A column of the design: the product of one or two inputs' functions,
/// each named by (draw position in the group, function index).
#[derive(Debug, Clone, PartialEq)]
struct Column(Vec<(usize, usize)>);

/// The regression of values on a group's draws.
#[derive(Debug, Clone, PartialEq)]
pub struct Design {
    pub kind: Kind,
    inputs: Vec<Input>,
    offsets: Vec<usize>,
    /// After the intercept and every input's functions.
    pairs: Vec<Column>,
}

impl Design {
    /// The design of `kind` over `inputs` (one per draw of the group), with
    /// pairwise products among the draws at positions `paired` (all of them
    /// for the smooth kind).
    pub fn new(kind: Kind, inputs: Vec<Input>, paired: &[usize]) -> Design {
        let mut offsets = Vec::with_capacity(inputs.len());
        let mut next = 1;
        for input in &inputs {
            offsets.push(next);
            next += input.len();
        }
        let mut pairs = Vec::new();
        for (a, &i) in paired.iter().enumerate() {
            for &j in &paired[a + 1..] {
                if inputs[i].is_empty() || inputs[j].is_empty() {
                    continue;
                }
                match kind {
                    Kind::Smooth => {
                        let left: Vec<usize> = std::iter::once(0).chain(inputs[i].second()).collect();
                        let right: Vec<usize> = std::iter::once(0).chain(inputs[j].second()).collect();
                        for &l in &left {
                            for &r in &right {
                                pairs.push(Column(vec![(i, l), (j, r)]));
                            }
                        }
                    }
                    Kind::Additive => pairs.push(Column(vec![(i, 0), (j, 0)])),
                }
            }
        }
        Design { kind, inputs, offsets, pairs }
    }

    /// The number of columns, with the intercept.
    pub fn columns(&self) -> usize {
        1 + self.inputs.iter().map(Input::len).sum::<usize>() + self.pairs.len()
    }

    /// One row of the design from the group's uniforms at row `row`.
    fn row(&self, uniforms: &[&[f64]], row: usize, out: &mut [f64]) {
        out[0] = 1.0;
        for ((input, offset), column) in self.inputs.iter().zip(&self.offsets).zip(uniforms) {
            input.eval(column[row], &mut out[*offset..*offset + input.len()]);
        }
        let base = 1 + self.inputs.iter().map(Input::len).sum::<usize>();
        for (k, pair) in self.pairs.iter().enumerate() {
            out[base + k] = pair.0.iter().map(|(draw, function)| out[self.offsets[*draw] + function]).product();
        }
    }
}

/// An estimate and its standard error, with the design's size.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fitted {
    /// The cross-fitted estimate: each row decided by the other half's fit,
    /// valued at the row's own values.
    pub value: f64,
    pub standard_error: f64,
    /// The plug-in estimate from the fitted values of the whole sample.
    pub plug_in: f64,
    /// Columns of the design (with the intercept).
    pub columns: usize,
    /// Share of the variance of the values that the fit explains.
    pub r_squared: f64,
}

/// The EVPPI of each decision in `decisions` from regressions of its
/// options' values on the group's draws, sharing one design: a decision is
/// a list of options, `option[i]` the option's value at row `i`; it is taken
/// by the largest conditional mean, and with one option the other is a value
/// of 0 (release or not). `group` holds the group's uniforms, one column per
/// draw, with as many rows as every option.
pub fn evppi(design: &Design, group: &[&[f64]], decisions: &[Vec<&[f64]>]) -> Vec<Fitted> {
    let p = design.columns();
    let rows = group.first().map_or(0, |column| column.len());
    let half = rows / 2;
    let targets: Vec<&[f64]> = decisions.iter().flatten().copied().collect();
    // Pass 1, per fold (rows below `half`, and the rest): X'X, and X'y and y'y per target.
    let fold_width = p * p + targets.len() * (p + 1);
    let sums = blockwise(rows, 2 * fold_width, |range, acc| {
        let mut x = vec![0.0; p];
        for row in range {
            design.row(group, row, &mut x);
            let acc = if row < half { &mut acc[..fold_width] } else { &mut acc[fold_width..] };
            for a in 0..p {
                let xa = x[a];
                let line = &mut acc[a * p..a * p + p];
                for b in a..p {
                    line[b] += xa * x[b];
                }
            }
            for (t, values) in targets.iter().enumerate() {
                let y = values[row];
                let slots = &mut acc[p * p + t * (p + 1)..p * p + (t + 1) * (p + 1)];
                for (slot, xa) in slots.iter_mut().zip(&x) {
                    *slot += xa * y;
                }
                slots[p] += y * y;
            }
        }
    });
    let (first, second) = sums.split_at(fold_width);
    let whole: Vec<f64> = first.iter().zip(second).map(|(a, b)| a + b).collect();
    let folds = [Fold::new(first, p), Fold::new(second, p), Fold::new(&whole, p)];
    let mut start = 0;
    decisions
        .iter()
        .map(|options| {
            let range = start..start + options.len();
            start += options.len();
            fit_decision(design, group, &folds, range, &targets)
        })
        .collect()
}

/// The normal equations of one fold (or of every row): the factor of X'X,
/// and X'y, y'y per target.
struct Fold<'a> {
    factor: Cholesky,
    /// The fold's rows (the intercept's square sum).
    count: f64,
    sums: &'a [f64],
}

impl<'a> Fold<'a> {
    fn new(sums: &'a [f64], p: usize) -> Fold<'a> {
        let mut gram = sums[..p * p].to_vec();
        for a in 0..p {
            for b in 0..a {
                gram[a * p + b] = gram[b * p + a];
            }
        }
        Fold { factor: Cholesky::new(&gram, p), count: sums[0], sums: &sums[p * p..] }
    }

    /// The coefficients of target `t`, and its residual and total sums of squares.
    fn fit(&self, t: usize) -> (Vec<f64>, f64, f64) {
        let p = self.factor.size;
        let xty = &self.sums[t * (p + 1)..t * (p + 1) + p];
        let yty = self.sums[t * (p + 1) + p];
        let beta = self.factor.solve(xty);
        let explained: f64 = beta.iter().zip(xty).map(|(b, v)| b * v).sum();
        let total = if self.count > 0.0 { yty - xty[0] * xty[0] / self.count } else { 0.0 };
        (beta, (yty - explained).max(0.0), total.max(0.0))
    }
}

/// The EVPPI of one decision, whose options are `targets[range]`: each row
/// decided by the fit of the other fold, valued at its own values.
fn fit_decision(
    design: &Design,
    group: &[&[f64]],
    folds: &[Fold; 3],
    range: std::ops::Range<usize>,
    targets: &[&[f64]],
) -> Fitted {
    let p = folds[0].factor.size;
    let options = &targets[range.clone()];
    let rows = options.first().map_or(0, |values| values.len());
    let half = rows / 2;
    let count = rows as f64;
    let fits: Vec<Vec<(Vec<f64>, f64, f64)>> =
        folds.iter().map(|fold| range.clone().map(|t| fold.fit(t)).collect()).collect();
    let (residual, total) = fits[2].iter().fold((0.0, 0.0), |(r, t), fit| (r + fit.1, t + fit.2));
    let r_squared = if total > 0.0 { (1.0 - residual / total).clamp(0.0, 1.0) } else { 1.0 };
    // The option chosen now: the best mean (with one option, the other is 0).
    let means: Vec<f64> = options.iter().map(|values| values.iter().sum::<f64>() / count).collect();
    let now = choose(&means);
    // Pass 2: each row's cross-fitted gain, its square, and the plug-in gain
    // of the whole fit (Strong, Oakley and Brennan's estimate).
    let sums = blockwise(rows, 3, |block, acc| {
        let mut x = vec![0.0; p];
        let mut fitted = vec![0.0; options.len()];
        let mut whole = vec![0.0; options.len()];
        for row in block {
            design.row(group, row, &mut x);
            let other = if row < half { 1 } else { 0 };
            for (o, (value, all)) in fitted.iter_mut().zip(whole.iter_mut()).enumerate() {
                *value = x.iter().zip(&fits[other][o].0).map(|(a, b)| a * b).sum();
                *all = x.iter().zip(&fits[2][o].0).map(|(a, b)| a * b).sum();
            }
            let value = |choice: Option<usize>| choice.map_or(0.0, |o| options[o][row]);
            let gain = value(choose(&fitted)) - value(now);
            acc[0] += gain;
            acc[1] += gain * gain;
            let plug = |choice: Option<usize>| choice.map_or(0.0, |o| whole[o]);
            acc[2] += plug(choose(&whole)) - plug(now);
        }
    });
    let mean_gain = sums[0] / count;
    let variance = ((sums[1] / count - mean_gain * mean_gain) * count / (count - 1.0).max(1.0)).max(0.0);
    Fitted {
        value: mean_gain.max(0.0),
        standard_error: (variance / count).sqrt(),
        plug_in: (sums[2] / count).max(0.0),
        columns: p,
        r_squared,
    }
}

/// The best of the options by value: with one option, `Some(0)` when it is
/// positive and `None` (the implicit option worth 0) otherwise; ties go to
/// the first.
pub fn choose(values: &[f64]) -> Option<usize> {
    if values.len() == 1 {
        return if values[0] > 0.0 { Some(0) } else { None };
    }
    let mut best = 0;
    for (index, value) in values.iter().enumerate() {
        if *value > values[best] {
            best = index;
        }
    }
    Some(best)
}

/// Sums of `width` values over rows `0..rows`, each block of [`BLOCK_ROWS`]
/// accumulated by `add` from zero, and the blocks added in order.
fn blockwise<F>(rows: usize, width: usize, add: F) -> Vec<f64>
where
    F: Fn(std::ops::Range<usize>, &mut [f64]) + Sync,
{
    let blocks = rows.div_ceil(BLOCK_ROWS);
    let mut total = vec![0.0; width];
    for wave in (0..blocks).step_by(BLOCKS_PER_WAVE) {
        let partials: Vec<Vec<f64>> = (wave..(wave + BLOCKS_PER_WAVE).min(blocks))
            .into_par_iter()
            .map(|block| {
                let mut acc = vec![0.0; width];
                add(block * BLOCK_ROWS..((block + 1) * BLOCK_ROWS).min(rows), &mut acc);
                acc
            })
            .collect();
        for partial in partials {
            for (sum, value) in total.iter_mut().zip(partial) {
                *sum += value;
            }
        }
    }
    total
}

/// A Cholesky factor of a scaled symmetric matrix, with the columns that add
/// nothing dropped.
struct Cholesky {
    size: usize,
    /// Lower triangle, row-major, of `D^-1 A D^-1`.
    lower: Vec<f64>,
    scale: Vec<f64>,
    kept: Vec<bool>,
}

// Triangular solves read best with indices.
#[allow(clippy::needless_range_loop)]
impl Cholesky {
    fn new(matrix: &[f64], size: usize) -> Cholesky {
        let scale: Vec<f64> = (0..size).map(|a| matrix[a * size + a].sqrt()).collect();
        let mut lower = vec![0.0; size * size];
        let mut kept = vec![false; size];
        for a in 0..size {
            if scale[a] <= 0.0 || !scale[a].is_finite() {
                continue;
            }
            for b in 0..=a {
                if b < a && !kept[b] {
                    continue;
                }
                let mut sum = matrix[a * size + b] / (scale[a] * scale[b]);
                for k in 0..b {
                    sum -= lower[a * size + k] * lower[b * size + k];
                }
                if a == b {
                    if sum > 1e-10 {
                        lower[a * size + a] = sum.sqrt();
                        kept[a] = true;
                    } else {
                        for k in 0..a {
                            lower[a * size + k] = 0.0;
                        }
                    }
                } else {
                    lower[a * size + b] = sum / lower[b * size + b];
                }
            }
        }
        Cholesky { size, lower, scale, kept }
    }

    /// `A^-1 v` on the kept columns (0 for dropped ones).
    fn solve(&self, v: &[f64]) -> Vec<f64> {
        let n = self.size;
        let mut y = vec![0.0; n];
        for a in 0..n {
            if !self.kept[a] {
                continue;
            }
            let mut sum = v[a] / self.scale[a];
            for k in 0..a {
                sum -= self.lower[a * n + k] * y[k];
            }
            y[a] = sum / self.lower[a * n + a];
        }
        for a in (0..n).rev() {
            if !self.kept[a] {
                continue;
            }
            let mut sum = y[a];
            for k in a + 1..n {
                sum -= self.lower[k * n + a] * y[k];
            }
            y[a] = sum / self.lower[a * n + a];
        }
        for a in 0..n {
            y[a] = if self.kept[a] { y[a] / self.scale[a] } else { 0.0 };
        }
        y
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn least_squares_recovers_a_spline_and_drops_collinear_columns() {
        // y = 2 + 3 z + a step: exact in the design, so the residual is 0.
        let n = 5000;
        let u: Vec<f64> = (0..n).map(|i| (i as f64 + 0.5) / n as f64).collect();
        let w: Vec<f64> = (0..n).map(|i| ((i * 7919) % n) as f64 / n as f64 + 0.5 / n as f64).collect();
        let y: Vec<f64> =
            u.iter().zip(&w).map(|(u, w)| 2.0 + 3.0 * normal_quantile(*u) + if *w > 0.7 { 1.0 } else { 0.0 }).collect();
        // The step twice: the second copy is dropped.
        let design =
            Design::new(Kind::Smooth, vec![Input::spline(SMOOTH_KNOTS), Input::Steps(vec![0.7, 0.7])], &[0, 1]);
        let z: Vec<f64> = u.iter().map(|u| normal_quantile(*u)).collect();
        let fitted = evppi(&design, &[&z, &w], &[vec![&y]])[0];
        assert!(fitted.r_squared > 0.999_999, "{fitted:?}");
        assert!((fitted.plug_in - fitted.value).abs() < 1e-6, "{fitted:?}");
        // E[y] = 2.3 > 0, so the EVPPI of everything is E[max(-y, 0)]: for
        // y = a + 3 z, E[max(-y, 0)] = 3 phi(a / 3) - a Phi(-a / 3).
        let pdf = |x: f64| (-x * x / 2.0).exp() / (2.0 * std::f64::consts::PI).sqrt();
        let negative_part = |a: f64| 3.0 * pdf(a / 3.0) - a * crux_engine::math::normal_cdf(-a / 3.0);
        let exact = 0.7 * negative_part(2.0) + 0.3 * negative_part(3.0);
        assert!((fitted.value - exact).abs() < 3.0 * fitted.standard_error, "{fitted:?} vs {exact}");
        assert!(fitted.standard_error < 0.03, "{fitted:?}");
    }

    #[test]
    fn the_spline_is_linear_beyond_its_outer_knots() {
        let input = Input::spline(5);
        let mut values = [[0.0; 4]; 3];
        for (out, z) in values.iter_mut().zip([3.0, 4.0, 5.0]) {
            input.eval(z, out);
        }
        for (k, ((a, b), c)) in values[0].iter().zip(&values[1]).zip(&values[2]).enumerate() {
            assert!(((c - b) - (b - a)).abs() < 1e-6 * (1.0 + a.abs() + c.abs()), "{k}: {a} {b} {c}");
        }
    }

    #[test]
    fn choose_takes_the_best_option() {
        assert_eq!(choose(&[1.0]), Some(0));
        assert_eq!(choose(&[-1.0]), None);
        assert_eq!(choose(&[1.0, 3.0, 2.0]), Some(1));
        assert_eq!(choose(&[1.0, 1.0]), Some(0));
    }
}
