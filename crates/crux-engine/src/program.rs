//! The compiled form of a model: flat instruction lists over registers.
//!
//! Every value lives at one of four levels, decided at compile time:
//! a constant; an *axis* scalar (depends only on the axis variable, computed
//! once per grid point); a *sample* column (depends on draws but not on the
//! axis, computed once per block of samples); or a *point* column (depends on
//! both, computed per block and grid point). Hoisting each value to the lowest
//! level it needs is what keeps the per-point inner loop short.

use crux_lang::Span;

/// Where an instruction reads a value from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Operand {
    Const(f64),
    /// An axis-level scalar slot (slot 0 is the axis variable itself).
    Axis(u32),
    /// A register of the sample bank: one value per sample of the block.
    Sample(u32),
    /// A register of the point bank: one value per sample, for the current grid point.
    Point(u32),
}

impl Operand {
    pub fn level(self) -> Level {
        match self {
            Operand::Const(_) => Level::Const,
            Operand::Axis(_) => Level::Axis,
            Operand::Sample(_) => Level::Sample,
            Operand::Point(_) => Level::Point,
        }
    }
}

/// How often a value must be recomputed. Ordered: a value's level is the
/// highest level among its inputs, except that axis and sample meet at point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Const,
    Axis,
    Sample,
    Point,
}

impl Level {
    pub fn join(self, other: Level) -> Level {
        match (self, other) {
            (Level::Axis, Level::Sample) | (Level::Sample, Level::Axis) => Level::Point,
            _ => self.max(other),
        }
    }
}

/// Elementwise operations. Comparisons and logic give 1 or 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    Neg,
    Not,
    Add,
    Sub,
    Mul,
    Div,
    Pow,
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
    And,
    Or,
    Exp,
    Ln,
    Log10,
    Log2,
    Sqrt,
    Abs,
    Logistic,
    /// `ln(1 + e^x)`, computed without overflow.
    Softplus,
    Floor,
    Ceil,
    Sin,
    Cos,
    Tan,
    Min,
    Max,
    /// `args[0] ? args[1] : args[2]`.
    Select,
    /// `clamp(args[0], args[1], args[2])`.
    Clamp,
    /// `args[1 + args[0]]`: the mixture component chosen by a categorical draw.
    Pick,
}

impl Op {
    /// Whether this unary operation can be fused after `producer` (whose
    /// result is then its argument): the pairs the kernels compile together.
    pub fn fuses_after(self, producer: Op) -> bool {
        matches!(self, Op::Logistic | Op::Exp) && matches!(producer, Op::Add | Op::Sub | Op::Mul | Op::Div)
    }
}

/// What an instruction was compiled from, for error messages.
#[derive(Debug, Clone, PartialEq)]
pub struct Origin {
    pub span: Span,
    /// The param, derived value or mechanism whose expression this is.
    pub owner: String,
}

#[derive(Debug, Clone)]
pub struct Instr {
    pub op: Op,
    pub dst: u32,
    pub args: Vec<Operand>,
    pub origin: Origin,
    /// A unary operation applied to the result before it is stored: an
    /// instruction whose only use was by a unary one, fused with it so that
    /// the value between them is never written (see [`Op::fuses_after`]).
    pub then: Option<Op>,
}

/// A distribution to draw from, with its parameters as operands (constants or
/// sample registers).
#[derive(Debug, Clone, PartialEq)]
pub enum DrawDist {
    Normal {
        mean: Operand,
        sd: Operand,
    },
    /// Quantile `p` at `low`, `1 - p` at `high`; `z` is the standard normal quantile of `1 - p`.
    NormalInterval {
        low: Operand,
        high: Operand,
        z: f64,
    },
    LogNormal {
        mu: Operand,
        sigma: Operand,
    },
    LogNormalInterval {
        low: Operand,
        high: Operand,
        z: f64,
        written_as_to: bool,
    },
    Uniform {
        low: Operand,
        high: Operand,
    },
    Beta {
        alpha: Operand,
        beta: Operand,
    },
    BetaMean {
        mean: Operand,
        k: Operand,
    },
    Triangular {
        min: Operand,
        mode: Operand,
        max: Operand,
    },
    Pert {
        min: Operand,
        mode: Operand,
        max: Operand,
    },
    Bernoulli {
        p: Operand,
    },
    /// An index `0..weights.len()` drawn with probability proportional to the weights.
    Categorical {
        weights: Vec<Operand>,
    },
    Truncated {
        inner: Box<DrawDist>,
        low: Operand,
        high: Operand,
    },
}

impl DrawDist {
    pub fn operands(&self) -> Vec<Operand> {
        match self {
            DrawDist::Normal { mean: a, sd: b }
            | DrawDist::NormalInterval { low: a, high: b, .. }
            | DrawDist::LogNormal { mu: a, sigma: b }
            | DrawDist::LogNormalInterval { low: a, high: b, .. }
            | DrawDist::Uniform { low: a, high: b }
            | DrawDist::Beta { alpha: a, beta: b }
            | DrawDist::BetaMean { mean: a, k: b } => vec![*a, *b],
            DrawDist::Triangular { min, mode, max } | DrawDist::Pert { min, mode, max } => vec![*min, *mode, *max],
            DrawDist::Bernoulli { p } => vec![*p],
            DrawDist::Categorical { weights } => weights.clone(),
            DrawDist::Truncated { inner, low, high } => {
                let mut operands = inner.operands();
                operands.extend([*low, *high]);
                operands
            }
        }
    }
}

/// One independent draw per sample into a sample register.
#[derive(Debug, Clone)]
pub struct Draw {
    pub dst: u32,
    pub dist: DrawDist,
    /// Identifies this draw's random stream: stable across models that share
    /// the owner's name, so that profiles get common random numbers.
    pub stream: u64,
    pub origin: Origin,
}

/// A step of the sample program.
#[derive(Debug, Clone)]
pub enum SampleStep {
    Draw(Draw),
    Compute(Instr),
}

/// One term of a mechanism's effect: `coefficient * axis * factor`.
///
/// Keeping effects as sums of such terms lets the engine total a mechanism
/// over a block without evaluating it at every grid point when it has no
/// point-level factor: the sum is then `axis * sum(coefficient)`, with the
/// coefficient's sum taken once per block.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Term {
    /// A constant or a sample register.
    pub coefficient: Operand,
    /// A constant or an axis slot.
    pub axis: Operand,
    /// A point register, when the term varies with both sample and grid point
    /// in a way that does not factor into the two above.
    pub factor: Option<Operand>,
}

/// A mechanism's compiled effect: the sum of its terms.
#[derive(Debug, Clone)]
pub struct MechanismOutput {
    pub id: String,
    pub benefit: bool,
    pub terms: Vec<Term>,
}

/// A compiled model, ready to run.
#[derive(Debug, Clone)]
pub struct Program {
    /// Scalar instructions computed once per grid point (slot 0 holds the axis value).
    pub axis_steps: Vec<Instr>,
    pub axis_slots: u32,
    /// Draws and computations once per block of samples.
    pub sample_steps: Vec<SampleStep>,
    pub sample_registers: u32,
    /// Computations per block and grid point.
    pub point_steps: Vec<Instr>,
    pub point_registers: u32,
    /// Each param's value (a constant or a sample register), indexed like the model's params.
    pub params: Vec<Operand>,
    /// Each derived value (indexed like the model's), when compiled with
    /// [`crate::compile::compile_with_derived`]; empty otherwise.
    pub derived: Vec<Operand>,
    pub mechanisms: Vec<MechanismOutput>,
    /// `sum(benefits) - sum(risks)`.
    pub net: Operand,
    /// The axis grid; a single point (0) when the model has no axis.
    pub grid: Vec<f64>,
    /// Number of independent draws, i.e. the dimension of the sample space.
    pub draw_count: usize,
    /// The Gaussian copulas that correlate some draws, one per crux with
    /// correlated params (see [`crate::copula`]).
    pub copulas: Vec<Copula>,
}

/// A Gaussian copula over some draws of a program: their uniforms become
/// normal scores, are multiplied by `factor`, and become uniforms again
/// before each draw's quantile function turns them into values.
#[derive(Debug, Clone, PartialEq)]
pub struct Copula {
    /// The draws it correlates, by index among the program's draws.
    pub draws: Vec<usize>,
    /// Each draw's random stream (as in [`Draw::stream`]).
    pub streams: Vec<u64>,
    /// The lower-triangular Cholesky factor of the normal scores' correlation
    /// matrix, row-major `k x k` for `k` draws.
    pub factor: Vec<f64>,
}
