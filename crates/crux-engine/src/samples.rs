//! Per-sample values, streamed block by block: every param's draw, every
//! derived value, every mechanism's effect and net, for each sample at chosen
//! grid points.
//!
//! A [`Sampler`] runs the same program as [`Engine::run`] (compiled with the
//! derived values materialised after everything else, so the instructions
//! for params, mechanisms and net are the run's), from the same random
//! streams: sample `i` here is sample `i` of a run with the same seed, and
//! net is the very value the run summarises. Blocks are evaluated in waves
//! in parallel and handed to the caller in block order, each wave while the
//! next is computed, so memory holds a few blocks whatever the number of
//! samples.

use crate::compile::compile_with_derived;
use crate::exec::{BLOCK, Randomness, Workspace, argument, run_point_program, run_sample_program};
use crate::format::short;
use crate::ops::Arg;
use crate::run::{Engine, check_samples, copy_operand, scalar};
use crux_lang::{Diagnostic, Diagnostics, hir};
use rayon::prelude::*;

/// The most bytes of values one wave of blocks holds.
const WAVE_BYTES: usize = 24 << 20;

/// What a column of the samples holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    Param,
    Derived,
    Mechanism,
    Net,
}

/// A column of the samples: a param, derived value or mechanism (by its name
/// in the model file), or net.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleColumn {
    pub name: String,
    pub kind: ColumnKind,
}

/// The values of one block of samples at each of the chosen grid points.
#[derive(Debug, Clone)]
pub struct SampleBlock {
    /// The index of the block (its first sample is `block * BLOCK`, 0-based).
    pub block: usize,
    /// How many samples the block holds (the last block may hold fewer than [`BLOCK`]).
    pub lanes: usize,
    columns: usize,
    /// `[point][column][lane]`, `lanes` values per column.
    values: Vec<f64>,
}

impl SampleBlock {
    /// The 0-based index of the block's first sample.
    pub fn first_sample(&self) -> usize {
        self.block * BLOCK
    }

    /// Column `column`'s values at the `point`-th chosen point, one per sample of the block.
    pub fn column(&self, point: usize, column: usize) -> &[f64] {
        let start = (point * self.columns + column) * self.lanes;
        &self.values[start..start + self.lanes]
    }
}

/// Why a stream of samples stopped: the model (a non-finite value, too many
/// samples), or the caller's sink.
#[derive(Debug)]
pub enum StreamError<E> {
    Model(Diagnostic),
    Sink(E),
}

/// A model compiled for exporting per-sample values.
#[derive(Debug, Clone)]
pub struct Sampler {
    engine: Engine,
    parallel: bool,
}

impl Sampler {
    pub fn new(model: &hir::Model) -> Result<Sampler, Diagnostics> {
        Ok(Sampler { engine: Engine::with_program(model, compile_with_derived(model)?), parallel: true })
    }

    /// Evaluates each wave's blocks over rayon's threads (the default), or
    /// one after another on the calling thread, for a caller that already
    /// runs several computations at once. The samples are the same.
    pub fn parallel(self, parallel: bool) -> Sampler {
        Sampler { parallel, ..self }
    }

    /// The engine it runs (its grid, model and program).
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The columns of every block, in order: params, derived values and
    /// mechanisms as in the model file, then net.
    pub fn columns(&self) -> Vec<SampleColumn> {
        let file = &self.engine.model().file;
        let named = |name: &str, kind| SampleColumn { name: name.to_string(), kind };
        file.params
            .iter()
            .map(|param| named(&param.name.name, ColumnKind::Param))
            .chain(file.derived.iter().map(|derived| named(&derived.name.name, ColumnKind::Derived)))
            .chain(file.mechanisms.iter().map(|mechanism| named(&mechanism.id.name, ColumnKind::Mechanism)))
            .chain([named("net", ColumnKind::Net)])
            .collect()
    }

    /// Evaluates `samples` samples with `seed` at the grid indices `points`
    /// and gives each block to `sink`, in block order. Stops at the first
    /// error: a value that is not finite (explained like [`Engine::run`]
    /// explains it) or the sink's.
    pub fn stream<E: Send>(
        &self,
        samples: usize,
        seed: u64,
        points: &[usize],
        mut sink: impl FnMut(SampleBlock) -> Result<(), E> + Send,
    ) -> Result<(), StreamError<E>> {
        check_samples(samples).map_err(StreamError::Model)?;
        let grid = self.engine.grid();
        if let Some(bad) = points.iter().find(|index| **index >= grid.len()) {
            return Err(StreamError::Model(Diagnostic::error(format!("grid point {bad} is outside the axis"))));
        }
        let blocks = samples.div_ceil(BLOCK);
        let block_bytes = points.len().max(1) * self.columns().len() * BLOCK * 8;
        let wave = (WAVE_BYTES / block_bytes).clamp(1, 64);
        let compute = |range: std::ops::Range<usize>| -> Result<Vec<SampleBlock>, Diagnostic> {
            if !self.parallel {
                let mut workspace = Workspace::new(&self.engine.program);
                return range.map(|block| self.evaluate(&mut workspace, seed, block, samples, points)).collect();
            }
            range
                .into_par_iter()
                .map_init(
                    || Workspace::new(&self.engine.program),
                    |workspace, block| self.evaluate(workspace, seed, block, samples, points),
                )
                .collect()
        };
        let mut ready = compute(0..wave.min(blocks));
        let mut start = wave.min(blocks);
        loop {
            let current = ready.map_err(StreamError::Model)?;
            let next_range = start..(start + wave).min(blocks);
            start = next_range.end;
            let deliver = || current.into_iter().try_for_each(&mut sink);
            if next_range.is_empty() {
                return deliver().map_err(StreamError::Sink);
            }
            let (next, delivered) = rayon::join(|| compute(next_range), deliver);
            delivered.map_err(StreamError::Sink)?;
            ready = next;
        }
    }

    fn evaluate(
        &self,
        workspace: &mut Workspace,
        seed: u64,
        block: usize,
        samples: usize,
        points: &[usize],
    ) -> Result<SampleBlock, Diagnostic> {
        self.engine.with_wide_vectors(
            #[inline(always)]
            || self.evaluate_body(workspace, seed, block, samples, points),
        )
    }

    #[inline(always)]
    fn evaluate_body(
        &self,
        workspace: &mut Workspace,
        seed: u64,
        block: usize,
        samples: usize,
        points: &[usize],
    ) -> Result<SampleBlock, Diagnostic> {
        let engine = &self.engine;
        let program = &engine.program;
        let lanes = BLOCK.min(samples - block * BLOCK);
        let columns = program.params.len() + program.derived.len() + program.mechanisms.len() + 1;
        run_sample_program(
            program,
            &engine.shapes,
            workspace,
            lanes,
            Randomness::Seeded { seed, block: block as u64 },
        )?;
        let mut values = vec![0.0; points.len() * columns * lanes];
        for (slot, &point) in points.iter().enumerate() {
            let axis = &engine.axis_table[point];
            run_point_program(program, workspace, lanes, axis);
            let mut outs = values[slot * columns * lanes..(slot + 1) * columns * lanes].chunks_exact_mut(lanes);
            for operand in program.params.iter().chain(&program.derived) {
                copy_operand(*operand, workspace, axis, outs.next().expect("a column per value"));
            }
            for mechanism in &program.mechanisms {
                let out = outs.next().expect("a column per mechanism");
                out.fill(0.0);
                for term in &mechanism.terms {
                    let scale = scalar(term.axis, axis);
                    let coefficient = argument(term.coefficient, &workspace.sample, &workspace.point, axis, lanes);
                    let factor =
                        term.factor.map(|factor| argument(factor, &workspace.sample, &workspace.point, axis, lanes));
                    for (lane, value) in out.iter_mut().enumerate() {
                        let at = |arg: &Arg| match arg {
                            Arg::Column(column) => column[lane],
                            Arg::Scalar(value) => *value,
                        };
                        let product = match &factor {
                            Some(factor) => at(&coefficient) * at(factor),
                            None => at(&coefficient),
                        };
                        *value += scale * product;
                    }
                }
            }
            let net = outs.next().expect("a column for net");
            copy_operand(program.net, workspace, axis, net);
            if net.iter().any(|value| !value.is_finite()) {
                return Err(engine.diagnose_non_finite(seed, block, samples, engine.grid()[point]));
            }
        }
        let block = SampleBlock { block, lanes, columns, values };
        self.check_finite(&block, points)?;
        Ok(block)
    }

    /// A value that is not finite in any column, named with its sample.
    fn check_finite(&self, block: &SampleBlock, points: &[usize]) -> Result<(), Diagnostic> {
        for (slot, &point) in points.iter().enumerate() {
            for column in 0..block.columns {
                let values = block.column(slot, column);
                if let Some(lane) = values.iter().position(|value| !value.is_finite()) {
                    let name = &self.columns()[column].name;
                    let place = match &self.engine.model().file.axis {
                        Some(axis) => format!(" at {} = {}", axis.name.name, short(self.engine.grid()[point])),
                        None => String::new(),
                    };
                    return Err(Diagnostic::error(format!(
                        "`{name}` is {} in sample {}{place}",
                        values[lane],
                        block.first_sample() + lane + 1
                    ))
                    .with_help("check the ranges of the params it uses"));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RunOptions;

    fn model(text: &str) -> hir::Model {
        let mut sources = crux_lang::Sources::new();
        let file = sources.add("test.toml", text);
        crux_lang::load(&mut sources, file).expect("test model loads")
    }

    fn ref_v1() -> hir::Model {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../bench/ref-v1.toml");
        model(&std::fs::read_to_string(path).expect("bench/ref-v1.toml is in the repository"))
    }

    /// Every block of a stream, collected: `[point][column]` in sample order.
    fn collect(sampler: &Sampler, samples: usize, seed: u64, points: &[usize]) -> Vec<Vec<Vec<f64>>> {
        let columns = sampler.columns().len();
        let mut out = vec![vec![Vec::new(); columns]; points.len()];
        let mut next = 0;
        sampler
            .stream::<()>(samples, seed, points, |block| {
                assert_eq!(block.block, next, "blocks arrive in order");
                next += 1;
                for (slot, point) in out.iter_mut().enumerate() {
                    for (column, values) in point.iter_mut().enumerate() {
                        values.extend_from_slice(block.column(slot, column));
                    }
                }
                Ok(())
            })
            .unwrap();
        out
    }

    #[test]
    fn net_is_bit_for_bit_the_net_a_run_summarises() {
        let model = ref_v1();
        let sampler = Sampler::new(&model).unwrap();
        let engine = Engine::new(&model).unwrap();
        let points = [0, 30, 60];
        let samples = 70_000;
        let run = engine.run(&RunOptions { keep_net: true, ..RunOptions::new(samples, 9) }).unwrap();
        let kept = run.net_samples.unwrap();
        let streamed = collect(&sampler, samples, 9, &points);
        let net = sampler.columns().len() - 1;
        for (slot, &point) in points.iter().enumerate() {
            assert_eq!(streamed[slot][net].len(), samples);
            for (sample, value) in streamed[slot][net].iter().enumerate() {
                assert_eq!(value.to_bits(), kept.get(sample, point).to_bits(), "sample {sample}");
            }
        }
        let params = engine.param_samples(samples, 9).unwrap();
        for (index, column) in params.iter().enumerate() {
            assert_eq!(&streamed[1][index], column, "param {index}");
        }
    }

    #[test]
    #[allow(clippy::needless_range_loop)]
    fn mechanisms_and_derived_values_are_those_of_the_expressions() {
        let text = "[model]\nid = \"small\"\n\n[axis]\nname = \"c\"\nfrom = 0\nto = 2\nstep = 1\n\n[params]\na = \"normal(1, 0.5)\"\nb = \"2 to 5\"\n\n[derived]\nd = \"a * c + b\"\ne = \"logistic(c - a)\"\n\n[mechanisms.good]\nside = \"benefit\"\neffect = \"b * e + 1\"\n\n[mechanisms.bad]\nside = \"risk\"\neffect = \"d * 0.5\"\n";
        let model = model(text);
        let sampler = Sampler::new(&model).unwrap();
        let names: Vec<String> = sampler.columns().into_iter().map(|column| column.name).collect();
        assert_eq!(names, ["a", "b", "d", "e", "good", "bad", "net"]);
        let values = collect(&sampler, 3_000, 2, &[0, 2]);
        for (slot, c) in [(0, 0.0), (1, 2.0)] {
            let v = &values[slot];
            for i in 0..3_000 {
                let (a, b) = (v[0][i], v[1][i]);
                let close = |x: f64, y: f64| (x - y).abs() <= 1e-12 * (1.0 + y.abs());
                assert!(close(v[2][i], a * c + b));
                assert!(close(v[3][i], 1.0 / (1.0 + (a - c).exp())));
                assert!(close(v[4][i], b * v[3][i] + 1.0));
                assert!(close(v[5][i], v[2][i] * 0.5));
                assert!(close(v[6][i], v[4][i] - v[5][i]));
            }
        }
        let run = Engine::new(&model).unwrap().run(&RunOptions::new(3_000, 2)).unwrap();
        let mean = |values: &[f64]| values.iter().sum::<f64>() / values.len() as f64;
        assert!((mean(&values[1][6]) - run.net[2].mean).abs() < 1e-12 * run.net[2].mean.abs().max(1.0));
        assert!((mean(&values[1][4]) - run.mechanisms[0].mean[2]).abs() < 1e-12);
    }

    #[test]
    fn results_are_identical_on_one_and_two_threads() {
        let model = ref_v1();
        let sampler = Sampler::new(&model).unwrap();
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            pool.install(|| collect(&sampler, 20_000, 4, &[10, 40]))
        };
        assert_eq!(run(1), run(2));
    }

    #[test]
    fn a_non_finite_value_stops_the_stream_with_its_sample() {
        let text = "[model]\nid = \"bad\"\n\n[params]\na = \"normal(0, 1)\"\n\n[mechanisms.m]\nside = \"benefit\"\neffect = \"ln(a)\"\n";
        let sampler = Sampler::new(&model(text)).unwrap();
        let error = sampler.stream::<()>(5_000, 1, &[0], |_| Ok(())).unwrap_err();
        let StreamError::Model(diagnostic) = error else { panic!("a model error") };
        assert!(diagnostic.message.contains("`m` evaluates to NaN"), "{}", diagnostic.message);
    }

    #[test]
    fn a_sink_error_stops_the_stream() {
        let sampler = Sampler::new(&ref_v1()).unwrap();
        let mut seen = 0;
        let error = sampler
            .stream(200_000, 1, &[5], |_| {
                seen += 1;
                if seen == 3 { Err("disk full") } else { Ok(()) }
            })
            .unwrap_err();
        assert!(matches!(error, StreamError::Sink("disk full")));
        assert_eq!(seen, 3);
    }
}
