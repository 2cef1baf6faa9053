//! Executes a [`Program`] over one block of samples: the sample program once,
//! then the point program once per grid point, each instruction a tight loop
//! over the block's lanes.

use crate::copula::correlate;
use crate::distributions::{Shape, quantile, sample_into, sample_one, shape, tabulate};
use crate::ops::{Arg, apply_columns, apply_columns_then, apply_scalar};
use crate::program::{Draw, Operand, Program, SampleStep};
pub use crate::streams::{Randomness, stream_seed};
use crux_lang::Diagnostic;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

/// Samples per block: the unit of random streams, of parallel work and of
/// partial sums. Fixed, so that results never depend on the thread count.
pub const BLOCK: usize = 1024;

/// The registers of one block, reused across blocks by one worker.
#[derive(Debug, Clone)]
pub struct Workspace {
    pub sample: Vec<Vec<f64>>,
    pub point: Vec<Vec<f64>>,
    scratch: Vec<f64>,
    /// The correlated uniforms of the block: one column per draw of each
    /// copula, copulas in order (empty for a model without correlations).
    correlated: Vec<Vec<f64>>,
    /// For each draw, its column in `correlated`, if a copula has it.
    correlated_column: Vec<Option<usize>>,
    scores: Vec<f64>,
}

impl Workspace {
    pub fn new(program: &Program) -> Self {
        let mut correlated_column = vec![None; if program.copulas.is_empty() { 0 } else { program.draw_count }];
        let mut columns = 0;
        for copula in &program.copulas {
            for &draw in &copula.draws {
                correlated_column[draw] = Some(columns);
                columns += 1;
            }
        }
        Workspace {
            sample: vec![vec![0.0; BLOCK]; program.sample_registers as usize],
            point: vec![vec![0.0; BLOCK]; program.point_registers as usize],
            scratch: vec![0.0; 8],
            correlated: vec![vec![0.0; BLOCK]; columns],
            correlated_column,
            scores: Vec::new(),
        }
    }
}

/// The value of `operand` as a kernel argument.
#[inline(always)]
pub fn argument<'a>(
    operand: Operand,
    sample: &'a [Vec<f64>],
    point: &'a [Vec<f64>],
    axis: &[f64],
    lanes: usize,
) -> Arg<'a> {
    match operand {
        Operand::Const(value) => Arg::Scalar(value),
        Operand::Axis(slot) => Arg::Scalar(axis[slot as usize]),
        Operand::Sample(register) => Arg::Column(&sample[register as usize][..lanes]),
        Operand::Point(register) => Arg::Column(&point[register as usize][..lanes]),
    }
}

/// The kernel arguments of one instruction, on the stack for the usual case
/// of at most four.
#[derive(Debug)]
pub enum ArgList<'a> {
    Inline([Arg<'a>; 4], usize),
    Heap(Vec<Arg<'a>>),
}

impl<'a> ArgList<'a> {
    #[inline(always)]
    pub fn new(
        operands: &[Operand],
        sample: &'a [Vec<f64>],
        point: &'a [Vec<f64>],
        axis: &[f64],
        lanes: usize,
    ) -> Self {
        if operands.len() <= 4 {
            let mut args = [Arg::Scalar(0.0); 4];
            for (arg, operand) in args.iter_mut().zip(operands) {
                *arg = argument(*operand, sample, point, axis, lanes);
            }
            ArgList::Inline(args, operands.len())
        } else {
            ArgList::Heap(operands.iter().map(|operand| argument(*operand, sample, point, axis, lanes)).collect())
        }
    }

    /// Arguments restricted to lanes `start..end`.
    #[inline(always)]
    pub fn new_range(
        operands: &[Operand],
        sample: &'a [Vec<f64>],
        point: &'a [Vec<f64>],
        axis: &[f64],
        start: usize,
        end: usize,
    ) -> Self {
        let range = |arg: Arg<'a>| match arg {
            Arg::Column(values) => Arg::Column(&values[start..end]),
            scalar => scalar,
        };
        if operands.len() <= 4 {
            let mut args = [Arg::Scalar(0.0); 4];
            for (arg, operand) in args.iter_mut().zip(operands) {
                *arg = range(argument(*operand, sample, point, axis, end));
            }
            ArgList::Inline(args, operands.len())
        } else {
            ArgList::Heap(operands.iter().map(|operand| range(argument(*operand, sample, point, axis, end))).collect())
        }
    }

    #[inline(always)]
    pub fn as_slice(&self) -> &[Arg<'a>] {
        match self {
            ArgList::Inline(args, count) => &args[..*count],
            ArgList::Heap(args) => args,
        }
    }
}

/// The value of `operand` at one lane.
pub fn lane_value(operand: Operand, workspace: &Workspace, axis: &[f64], lane: usize) -> f64 {
    match operand {
        Operand::Const(value) => value,
        Operand::Axis(slot) => axis[slot as usize],
        Operand::Sample(register) => workspace.sample[register as usize][lane],
        Operand::Point(register) => workspace.point[register as usize][lane],
    }
}

/// Computes the axis-level slots for the axis value `x`.
pub fn axis_slots(program: &Program, x: f64) -> Vec<f64> {
    let mut slots = vec![0.0; program.axis_slots as usize];
    slots[0] = x;
    for instr in &program.axis_steps {
        let args: Vec<f64> = instr
            .args
            .iter()
            .map(|operand| match operand {
                Operand::Const(value) => *value,
                Operand::Axis(slot) => slots[*slot as usize],
                _ => f64::NAN,
            })
            .collect();
        slots[instr.dst as usize] = apply_scalar(instr.op, &args);
    }
    slots
}

/// Shapes of draws whose parameters are all constant, computed once (with
/// quantile tables where the quantile function is iterative).
pub fn constant_shapes(program: &Program) -> Vec<Option<Shape>> {
    program
        .sample_steps
        .iter()
        .filter_map(|step| match step {
            SampleStep::Draw(draw) => Some(draw),
            SampleStep::Compute(_) => None,
        })
        .map(|draw| {
            let values: Option<Vec<f64>> = draw
                .dist
                .operands()
                .iter()
                .map(|operand| if let Operand::Const(v) = operand { Some(*v) } else { None })
                .collect();
            values.and_then(|values| shape(&draw.dist, &values).ok()).map(tabulate)
        })
        .collect()
}

/// Runs the sample program for `lanes` samples.
#[inline(always)]
pub fn run_sample_program(
    program: &Program,
    shapes: &[Option<Shape>],
    workspace: &mut Workspace,
    lanes: usize,
    randomness: Randomness,
) -> Result<(), Diagnostic> {
    if !program.copulas.is_empty() {
        let mut start = 0;
        for copula in &program.copulas {
            let end = start + copula.draws.len();
            correlate(copula, randomness, &mut workspace.correlated[start..end], &mut workspace.scores, lanes);
            start = end;
        }
    }
    let mut draw_index = 0;
    for step in &program.sample_steps {
        match step {
            SampleStep::Draw(draw) => {
                let mut out = std::mem::take(&mut workspace.sample[draw.dst as usize]);
                let column = workspace.correlated_column.get(draw_index).copied().flatten();
                let correlated = column.map(|column| std::mem::take(&mut workspace.correlated[column]));
                let given = correlated.as_deref().map(|uniforms| &uniforms[..lanes]);
                let result = run_draw(
                    draw,
                    shapes[draw_index].as_ref(),
                    &mut out[..lanes],
                    workspace,
                    randomness,
                    draw_index,
                    given,
                );
                workspace.sample[draw.dst as usize] = out;
                if let (Some(column), Some(uniforms)) = (column, correlated) {
                    workspace.correlated[column] = uniforms;
                }
                result?;
                draw_index += 1;
            }
            SampleStep::Compute(instr) => {
                let mut out = std::mem::take(&mut workspace.sample[instr.dst as usize]);
                let args = ArgList::new(&instr.args, &workspace.sample, &workspace.point, &[], lanes);
                apply_columns(instr.op, &mut out[..lanes], args.as_slice());
                workspace.sample[instr.dst as usize] = out;
            }
        }
    }
    Ok(())
}

#[inline(always)]
fn run_draw(
    draw: &Draw,
    constant: Option<&Shape>,
    out: &mut [f64],
    workspace: &mut Workspace,
    randomness: Randomness,
    draw_index: usize,
    correlated: Option<&[f64]>,
) -> Result<(), Diagnostic> {
    // A correlated draw takes its copula's uniforms through its quantile function.
    let uniforms = match (correlated, randomness) {
        (Some(uniforms), _) => Some(uniforms),
        (None, Randomness::Uniforms(columns)) => Some(columns[draw_index]),
        (None, Randomness::Seeded { .. }) => None,
    };
    let mut rng = match randomness {
        Randomness::Seeded { seed, block } if uniforms.is_none() => {
            Some(Xoshiro256PlusPlus::seed_from_u64(stream_seed(seed, block, draw.stream)))
        }
        _ => None,
    };
    if let Some(shape) = constant {
        match (&mut rng, uniforms) {
            (Some(rng), _) => sample_into(shape, out, rng),
            (None, Some(uniforms)) => {
                for (value, &u) in out.iter_mut().zip(uniforms) {
                    *value = quantile(shape, u);
                }
            }
            (None, None) => unreachable!(),
        }
        return Ok(());
    }
    let operands = draw.dist.operands();
    workspace.scratch.resize(operands.len(), 0.0);
    for lane in 0..out.len() {
        for (slot, operand) in operands.iter().enumerate() {
            workspace.scratch[slot] = lane_value(*operand, workspace, &[], lane);
        }
        let lane_shape = shape(&draw.dist, &workspace.scratch).map_err(|error| {
            let values: Vec<String> = workspace.scratch.iter().map(|v| crate::format::short(*v)).collect();
            let help =
                format!("its parameters were ({}) in one sample; check the params they come from", values.join(", "));
            Diagnostic { span: Some(draw.origin.span), ..error }.with_help(help)
        })?;
        out[lane] = match (&mut rng, uniforms) {
            (Some(rng), _) => sample_one(&lane_shape, rng),
            (None, Some(uniforms)) => quantile(&lane_shape, uniforms[lane]),
            (None, None) => unreachable!(),
        };
    }
    Ok(())
}

/// Lanes processed together by the point program. A whole block: on ref-v1
/// at 10^4 samples this ran 4% fewer instructions than 256 lanes, whose
/// registers fit the L1 cache, and was no slower (the registers it touches
/// stay in L2).
const SUB_BLOCK: usize = 1024;

/// Runs the point program for `lanes` samples at the grid point whose axis slots are `axis`.
#[inline(always)]
pub fn run_point_program(program: &Program, workspace: &mut Workspace, lanes: usize, axis: &[f64]) {
    let mut start = 0;
    while start < lanes {
        let end = (start + SUB_BLOCK).min(lanes);
        for instr in &program.point_steps {
            let mut out = std::mem::take(&mut workspace.point[instr.dst as usize]);
            let args = ArgList::new_range(&instr.args, &workspace.sample, &workspace.point, axis, start, end);
            match instr.then {
                None => apply_columns(instr.op, &mut out[start..end], args.as_slice()),
                Some(then) => apply_columns_then(instr.op, then, &mut out[start..end], args.as_slice()),
            }
            workspace.point[instr.dst as usize] = out;
        }
        start = end;
    }
}
