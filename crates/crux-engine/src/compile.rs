//! Compiles a resolved model into a [`Program`]: constant folding, hoisting
//! every value to the lowest [`Level`] it needs, validating constant
//! distribution parameters, fusing a point-level `logistic` or `exp` into the
//! instruction that makes its argument, and allocating registers.
//!
//! Arithmetic is kept symbolic while it compiles: a value is a sum of terms
//! `coefficient * axis * factors`, with the coefficient a constant or a
//! sample-level value, the axis part an axis-level value, and the factors
//! point-level values that could not be split further (a `logistic`, say).
//! Products regroup their factors by level, so `severity * uplift * block`
//! multiplies `severity * block` once per sample, not once per grid point;
//! sums merge terms with the same axis part and factors by adding their
//! coefficients (`a * r + b * r` becomes `(a + b) * r`, the addition done once
//! per sample). A value is turned into instructions only when an operation
//! that is not a sum or product needs it, and mechanisms stay sums of terms
//! (see [`Term`]), so that a mechanism without point-level factors is totalled
//! per block rather than per grid point. This reassociates floating-point
//! arithmetic: results agree with the expression as written to within a few
//! roundings, and are the same on every machine and thread count. Sums are
//! never multiplied out, so no cancellation is introduced. Compiling without
//! optimisation ([`compile_with`] with `false`) emits every operation as
//! written, one register per value: that is what traces a non-finite value
//! back to its expression.

use crate::distributions::validate;
use crate::ops::apply_scalar;
use crate::program::{Draw, DrawDist, Instr, Level, MechanismOutput, Op, Operand, Origin, Program, SampleStep, Term};
use crux_lang::ast::{BinaryOp, UnaryOp};
use crux_lang::hir::{self, Dist, DistKind, ExprKind, Func};
use crux_lang::model::Side;
use crux_lang::{Diagnostic, Diagnostics, Span};
use std::collections::{BTreeSet, HashMap};

/// Compiles `model`, optimised.
pub fn compile(model: &hir::Model) -> Result<Program, Diagnostics> {
    compile_with(model, true)
}

/// Compiles `model`, optimised, and also turns each derived value into
/// instructions of its own ([`Program::derived`]), for exporting per-sample
/// values. The instructions of a plain compile come first and unchanged, so
/// params, mechanisms and net are the same values as in [`compile`]'s program.
pub fn compile_with_derived(model: &hir::Model) -> Result<Program, Diagnostics> {
    compile_program(model, true, true)
}

/// Compiles `model`. With `optimize`, arithmetic is regrouped by level (see
/// the module doc), repeated instructions are computed once and values that
/// are no longer needed share registers; without it every operation is
/// emitted as written into its own register, for tracing values back to
/// their expressions.
pub(crate) fn compile_with(model: &hir::Model, optimize: bool) -> Result<Program, Diagnostics> {
    compile_program(model, optimize, false)
}

/// Compiles `model`; with `keep_derived`, each derived value is also
/// materialised, after everything else, into [`Program::derived`].
fn compile_program(model: &hir::Model, optimize: bool, keep_derived: bool) -> Result<Program, Diagnostics> {
    let mut compiler = Compiler {
        optimize,
        axis_steps: Vec::new(),
        axis_slots: 1,
        sample_steps: Vec::new(),
        sample_registers: 0,
        point_steps: Vec::new(),
        point_registers: 0,
        params: vec![Operand::Const(f64::NAN); model.params.len()],
        derived: vec![Form::constant(f64::NAN); model.derived.len()],
        owner: String::new(),
        draw_ordinal: 0,
        draw_count: 0,
        folding_error: None,
        emitted: HashMap::new(),
        products: HashMap::new(),
    };
    let mut diagnostics = Vec::new();
    // The draw each param ends with: a correlated param is one draw, its last.
    let mut param_draws = vec![None; model.params.len()];
    for &index in &model.param_order {
        compiler.begin(&model.file.params[index].name.name);
        let origin = compiler.origin(model.params[index].span);
        match compiler.expr(&model.params[index]) {
            Ok(form) => compiler.params[index] = compiler.materialize(form, &origin),
            Err(error) => diagnostics.push(error),
        }
        param_draws[index] = compiler.draw_count.checked_sub(1);
    }
    for &index in &model.derived_order {
        compiler.begin(&model.file.derived[index].name.name);
        let origin = compiler.origin(model.derived[index].span);
        match compiler.expr(&model.derived[index]) {
            Ok(form) if optimize => compiler.derived[index] = form,
            Ok(form) => {
                let operand = compiler.materialize(form, &origin);
                compiler.derived[index] = Form::of(operand);
            }
            Err(error) => diagnostics.push(error),
        }
    }
    let mut effects = Vec::new();
    for (declaration, effect) in model.file.mechanisms.iter().zip(&model.mechanisms) {
        compiler.begin(&declaration.id.name);
        let origin = compiler.origin(effect.span);
        match compiler.expr(effect) {
            Ok(form) if optimize => effects.push((declaration, form)),
            Ok(form) => {
                let operand = compiler.materialize(form, &origin);
                effects.push((declaration, Form::of(operand)));
            }
            Err(error) => diagnostics.push(error),
        }
    }
    diagnostics.extend(compiler.folding_error.take());
    if !diagnostics.is_empty() {
        return Err(diagnostics);
    }
    compiler.begin("net");
    let origin = compiler.origin(Span::default());
    let mut net: Option<Form> = None;
    for (declaration, form) in &effects {
        let benefit = declaration.side == Side::Benefit;
        net = Some(match net {
            None if benefit => form.clone(),
            None if optimize => compiler.negate(form.clone(), &origin),
            None => compiler.apply(Op::Neg, vec![form.clone()], &origin),
            Some(sum) => compiler.arithmetic(if benefit { Op::Add } else { Op::Sub }, sum, form.clone(), &origin),
        });
    }
    let net = match net {
        Some(form) => compiler.materialize(form, &origin),
        None => Operand::Const(0.0),
    };
    let mechanisms = effects
        .into_iter()
        .map(|(declaration, form)| {
            let origin = Origin { span: declaration.id.span, owner: declaration.id.name.clone() };
            let terms = form
                .0
                .into_iter()
                .map(|term| Term {
                    coefficient: term.coefficient,
                    axis: term.axis,
                    factor: compiler.product(&term.factors, &origin),
                })
                .collect();
            MechanismOutput { id: declaration.id.name.clone(), benefit: declaration.side == Side::Benefit, terms }
        })
        .collect();
    let mut derived = Vec::new();
    if keep_derived {
        for (index, form) in std::mem::take(&mut compiler.derived).into_iter().enumerate() {
            compiler.begin(&model.file.derived[index].name.name);
            let origin = compiler.origin(model.derived[index].span);
            derived.push(compiler.materialize(form, &origin));
        }
    }
    let grid = model.file.axis.as_ref().map_or_else(|| vec![0.0], |axis| axis.values());
    let copulas = crate::copula::copulas(model, &param_draws, &compiler.sample_steps);
    let mut program = Program {
        axis_steps: compiler.axis_steps,
        axis_slots: compiler.axis_slots,
        sample_steps: compiler.sample_steps,
        sample_registers: compiler.sample_registers,
        point_steps: compiler.point_steps,
        point_registers: compiler.point_registers,
        params: compiler.params,
        derived,
        mechanisms,
        net,
        grid,
        draw_count: compiler.draw_count,
        copulas,
    };
    if optimize {
        fuse_unary_point_steps(&mut program);
        allocate_registers(&mut program);
    }
    Ok(program)
}

/// A value while it compiles: the sum of its terms.
#[derive(Debug, Clone)]
struct Form(Vec<FormTerm>);

/// `coefficient * axis * product(factors)`.
#[derive(Debug, Clone, PartialEq)]
struct FormTerm {
    /// A constant or a sample register.
    coefficient: Operand,
    /// `Const(1.0)` or an axis slot.
    axis: Operand,
    /// Point registers, sorted.
    factors: Vec<u32>,
}

impl Form {
    fn constant(value: f64) -> Form {
        Form::of(Operand::Const(value))
    }

    fn of(operand: Operand) -> Form {
        let one = Operand::Const(1.0);
        Form(vec![match operand {
            Operand::Const(_) | Operand::Sample(_) => FormTerm { coefficient: operand, axis: one, factors: Vec::new() },
            Operand::Axis(_) => FormTerm { coefficient: one, axis: operand, factors: Vec::new() },
            Operand::Point(register) => FormTerm { coefficient: one, axis: one, factors: vec![register] },
        }])
    }

    /// The single term without point factors, if that is what this is.
    fn scalar_term(&self) -> Option<&FormTerm> {
        match self.0.as_slice() {
            [term] if term.factors.is_empty() => Some(term),
            _ => None,
        }
    }

    fn as_constant(&self) -> Option<f64> {
        match self.scalar_term() {
            Some(FormTerm { coefficient: Operand::Const(value), axis, .. }) if is_one(*axis) => Some(*value),
            _ => None,
        }
    }
}

fn is_one(operand: Operand) -> bool {
    operand == Operand::Const(1.0)
}

/// A key identifying an operand exactly (constants by their bits).
fn operand_key(operand: &Operand) -> (u8, u64) {
    match operand {
        Operand::Const(value) => (0, value.to_bits()),
        Operand::Axis(slot) => (1, u64::from(*slot)),
        Operand::Sample(register) => (2, u64::from(*register)),
        Operand::Point(register) => (3, u64::from(*register)),
    }
}

struct Compiler {
    optimize: bool,
    axis_steps: Vec<Instr>,
    axis_slots: u32,
    sample_steps: Vec<SampleStep>,
    sample_registers: u32,
    point_steps: Vec<Instr>,
    point_registers: u32,
    params: Vec<Operand>,
    derived: Vec<Form>,
    owner: String,
    draw_ordinal: u32,
    draw_count: usize,
    /// The first constant expression that folded to a non-finite value.
    folding_error: Option<Diagnostic>,
    /// Instructions already emitted, by operation and arguments (when optimising).
    emitted: HashMap<(Op, Vec<(u8, u64)>), Operand>,
    /// Products of point factors already emitted.
    products: HashMap<Vec<u32>, Operand>,
}

impl Compiler {
    fn begin(&mut self, owner: &str) {
        self.owner = owner.to_string();
        self.draw_ordinal = 0;
    }

    fn origin(&self, span: Span) -> Origin {
        Origin { span, owner: self.owner.clone() }
    }

    /// Emits `op(args)` at the level its arguments need, folding constants.
    fn emit(&mut self, op: Op, args: Vec<Operand>, origin: Origin) -> Operand {
        if args.iter().all(|arg| matches!(arg, Operand::Const(_))) && op != Op::Pick {
            let values: Vec<f64> = args.iter().map(|arg| if let Operand::Const(v) = arg { *v } else { 0.0 }).collect();
            let value = apply_scalar(op, &values);
            if !value.is_finite() && values.iter().all(|v| v.is_finite()) && self.folding_error.is_none() {
                let what = if value.is_nan() { "NaN (not a number)".to_string() } else { value.to_string() };
                self.folding_error = Some(
                    Diagnostic::error(format!("`{}` evaluates to {what}", self.owner))
                        .at(origin.span)
                        .with_label(format!("this gives {what}")),
                );
            }
            return Operand::Const(value);
        }
        let key = self.optimize.then(|| (op, args.iter().map(operand_key).collect::<Vec<_>>()));
        if let Some(existing) = key.as_ref().and_then(|key| self.emitted.get(key)) {
            return *existing;
        }
        let level = args.iter().fold(Level::Const, |level, arg| level.join(arg.level()));
        let result = match level {
            Level::Const | Level::Axis => {
                let dst = self.axis_slots;
                self.axis_slots += 1;
                self.axis_steps.push(Instr { op, dst, args, origin, then: None });
                Operand::Axis(dst)
            }
            Level::Sample => {
                let dst = self.sample_registers;
                self.sample_registers += 1;
                self.sample_steps.push(SampleStep::Compute(Instr { op, dst, args, origin, then: None }));
                Operand::Sample(dst)
            }
            Level::Point => {
                let dst = self.point_registers;
                self.point_registers += 1;
                self.point_steps.push(Instr { op, dst, args, origin, then: None });
                Operand::Point(dst)
            }
        };
        if let Some(key) = key {
            self.emitted.insert(key, result);
        }
        result
    }

    /// `op(a, b)` on two operands that are constants or of one level, folding
    /// constants only when the result is finite: `None` means "do not regroup".
    fn combine(&mut self, op: Op, a: Operand, b: Operand, origin: &Origin) -> Option<Operand> {
        if let (Operand::Const(x), Operand::Const(y)) = (a, b) {
            let value = apply_scalar(op, &[x, y]);
            return value.is_finite().then_some(Operand::Const(value));
        }
        if op == Op::Mul && is_one(a) {
            return Some(b);
        }
        if matches!(op, Op::Mul | Op::Div) && is_one(b) {
            return Some(a);
        }
        Some(self.emit(op, vec![a, b], origin.clone()))
    }

    /// The product of point registers (memoised, so that equal products are computed once).
    fn product(&mut self, factors: &[u32], origin: &Origin) -> Option<Operand> {
        let (&first, _) = factors.split_first()?;
        let mut value = Operand::Point(first);
        for end in 2..=factors.len() {
            value = match self.products.get(&factors[..end]) {
                Some(existing) => *existing,
                None => {
                    let next = self.emit(Op::Mul, vec![value, Operand::Point(factors[end - 1])], origin.clone());
                    self.products.insert(factors[..end].to_vec(), next);
                    next
                }
            };
        }
        Some(value)
    }

    /// Turns a form into instructions.
    fn materialize(&mut self, form: Form, origin: &Origin) -> Operand {
        let mut total = None;
        for term in form.0 {
            let scale = if is_one(term.axis) {
                term.coefficient
            } else if is_one(term.coefficient) {
                term.axis
            } else {
                self.emit(Op::Mul, vec![term.coefficient, term.axis], origin.clone())
            };
            let value = match self.product(&term.factors, origin) {
                None => scale,
                Some(product) if is_one(scale) => product,
                Some(product) => self.emit(Op::Mul, vec![scale, product], origin.clone()),
            };
            total = Some(match total {
                None => value,
                Some(sum) => self.emit(Op::Add, vec![sum, value], origin.clone()),
            });
        }
        total.unwrap_or(Operand::Const(0.0))
    }

    /// A term with constants moved into the coefficient, or into the axis
    /// part when there is one and the coefficient is otherwise constant.
    fn normalize(&mut self, mut term: FormTerm, origin: &Origin) -> Option<FormTerm> {
        if let Operand::Const(scale) = term.axis
            && scale != 1.0
        {
            term.coefficient = self.combine(Op::Mul, term.coefficient, term.axis, origin)?;
            term.axis = Operand::Const(1.0);
        }
        if let (Operand::Const(_), Operand::Axis(_)) = (term.coefficient, term.axis)
            && !is_one(term.coefficient)
        {
            term.axis = self.emit(Op::Mul, vec![term.coefficient, term.axis], origin.clone());
            term.coefficient = Operand::Const(1.0);
        }
        Some(term)
    }

    /// `form` as a single term, materialising a sum.
    fn single(&mut self, form: Form, origin: &Origin) -> FormTerm {
        if form.0.len() == 1 {
            return form.0.into_iter().next().expect("one term");
        }
        let operand = self.materialize(form, origin);
        Form::of(operand).0.remove(0)
    }

    fn negate(&mut self, form: Form, origin: &Origin) -> Form {
        let mut terms = Vec::with_capacity(form.0.len());
        for term in &form.0 {
            let negated =
                FormTerm { coefficient: self.emit(Op::Neg, vec![term.coefficient], origin.clone()), ..term.clone() };
            match self.normalize(negated, origin) {
                Some(term) => terms.push(term),
                None => {
                    let operand = self.materialize(form, origin);
                    return Form::of(self.emit(Op::Neg, vec![operand], origin.clone()));
                }
            }
        }
        Form(terms)
    }

    fn add(&mut self, a: Form, b: Form, origin: &Origin) -> Form {
        if a.as_constant().is_some() && b.as_constant().is_some() {
            return self.plain(Op::Add, a, b, origin);
        }
        let mut terms = a.0.clone();
        for term in &b.0 {
            match terms.iter().position(|other| other.axis == term.axis && other.factors == term.factors) {
                Some(index) => match self.combine(Op::Add, terms[index].coefficient, term.coefficient, origin) {
                    Some(sum) => terms[index].coefficient = sum,
                    None => return self.plain(Op::Add, a, b, origin),
                },
                None => terms.push(term.clone()),
            }
        }
        Form(terms)
    }

    fn multiply(&mut self, a: Form, b: Form, origin: &Origin) -> Form {
        if a.as_constant().is_some() && b.as_constant().is_some() {
            return self.plain(Op::Mul, a, b, origin);
        }
        let (x, y) = (self.single(a, origin), self.single(b, origin));
        let regrouped = (|| {
            let coefficient = self.combine(Op::Mul, x.coefficient, y.coefficient, origin)?;
            let axis = self.combine(Op::Mul, x.axis, y.axis, origin)?;
            let mut factors = [x.factors.as_slice(), y.factors.as_slice()].concat();
            factors.sort_unstable();
            self.normalize(FormTerm { coefficient, axis, factors }, origin)
        })();
        match regrouped {
            Some(term) => Form(vec![term]),
            None => self.plain(Op::Mul, Form(vec![x]), Form(vec![y]), origin),
        }
    }

    /// `a / b`. A divisor without point-level factors becomes a reciprocal
    /// (computed once per sample or per grid point) when the quotient is
    /// needed per grid point anyway; a constant divisor divides the coefficient.
    fn divide_forms(&mut self, a: Form, b: Form, origin: &Origin) -> Form {
        let without_factors = |form: &Form| form.0.iter().all(|term| term.factors.is_empty());
        match b.scalar_term().cloned() {
            Some(divisor) if !(a.as_constant().is_some() && b.as_constant().is_some()) => {
                if let Some(value) = b.as_constant() {
                    if let [term] = a.0.as_slice()
                        && let Some(coefficient) =
                            self.combine(Op::Div, term.coefficient, Operand::Const(value), origin)
                        && let Some(term) = self.normalize(FormTerm { coefficient, ..term.clone() }, origin)
                    {
                        return Form(vec![term]);
                    }
                    let lhs = self.materialize(a, origin);
                    return Form::of(self.divide(lhs, Operand::Const(value), origin.clone()));
                }
                let a_level = a.0.iter().fold(Level::Const, |level, term| {
                    let term_level = if term.factors.is_empty() {
                        term.coefficient.level().join(term.axis.level())
                    } else {
                        Level::Point
                    };
                    level.join(term_level)
                });
                let b_level = divisor.coefficient.level().join(divisor.axis.level());
                if without_factors(&a) && a_level.join(b_level) != Level::Point {
                    return self.plain(Op::Div, a, b, origin);
                }
                let one = Operand::Const(1.0);
                let reciprocal = (|| {
                    let coefficient = self.combine(Op::Div, one, divisor.coefficient, origin)?;
                    let axis = self.combine(Op::Div, one, divisor.axis, origin)?;
                    self.normalize(FormTerm { coefficient, axis, factors: Vec::new() }, origin)
                })();
                match reciprocal {
                    Some(reciprocal) => self.multiply(a, Form(vec![reciprocal]), origin),
                    None => self.plain(Op::Div, a, b, origin),
                }
            }
            _ => self.plain(Op::Div, a, b, origin),
        }
    }

    /// `op(a, b)` emitted as written (with the reciprocal hoisting of [`Compiler::divide`]).
    fn plain(&mut self, op: Op, a: Form, b: Form, origin: &Origin) -> Form {
        let lhs = self.materialize(a, origin);
        let rhs = self.materialize(b, origin);
        Form::of(match op {
            Op::Div => self.divide(lhs, rhs, origin.clone()),
            _ => self.emit(op, vec![lhs, rhs], origin.clone()),
        })
    }

    fn expr(&mut self, expr: &hir::Expr) -> Result<Form, Diagnostic> {
        let origin = self.origin(expr.span);
        Ok(match &expr.kind {
            ExprKind::Number(value) => Form::constant(*value),
            ExprKind::Param(index) => Form::of(self.params[*index]),
            ExprKind::Derived(index) => self.derived[*index].clone(),
            ExprKind::Axis => Form::of(Operand::Axis(0)),
            ExprKind::Unary(op, operand) => {
                let operand = self.expr(operand)?;
                match op {
                    UnaryOp::Neg if self.optimize => self.negate(operand, &origin),
                    UnaryOp::Neg => self.apply(Op::Neg, vec![operand], &origin),
                    UnaryOp::Not => self.apply(Op::Not, vec![operand], &origin),
                }
            }
            ExprKind::Binary(op, lhs, rhs) => {
                let lhs = self.expr(lhs)?;
                let rhs = self.expr(rhs)?;
                let op = match op {
                    BinaryOp::Add => Op::Add,
                    BinaryOp::Sub => Op::Sub,
                    BinaryOp::Mul => Op::Mul,
                    BinaryOp::Div => Op::Div,
                    BinaryOp::Pow if rhs.as_constant() == Some(2.0) => {
                        return Ok(self.arithmetic(Op::Mul, lhs.clone(), lhs, &origin));
                    }
                    BinaryOp::Pow => Op::Pow,
                    BinaryOp::Lt => Op::Lt,
                    BinaryOp::Le => Op::Le,
                    BinaryOp::Gt => Op::Gt,
                    BinaryOp::Ge => Op::Ge,
                    BinaryOp::Eq => Op::Eq,
                    BinaryOp::Ne => Op::Ne,
                    BinaryOp::And => Op::And,
                    BinaryOp::Or => Op::Or,
                    BinaryOp::To => unreachable!("`to` resolves to a distribution"),
                };
                self.arithmetic(op, lhs, rhs, &origin)
            }
            ExprKind::If(condition, then_branch, else_branch) => {
                let condition = self.expr(condition)?;
                if let Some(value) = condition.as_constant() {
                    return self.expr(if crate::math::truth(value) { then_branch } else { else_branch });
                }
                let then_value = self.expr(then_branch)?;
                let else_value = self.expr(else_branch)?;
                self.apply(Op::Select, vec![condition, then_value, else_value], &origin)
            }
            ExprKind::Call(func, args) => {
                let args = args.iter().map(|arg| self.expr(arg)).collect::<Result<Vec<_>, _>>()?;
                let op = match func {
                    Func::Exp => Op::Exp,
                    Func::Ln => Op::Ln,
                    Func::Log10 => Op::Log10,
                    Func::Log2 => Op::Log2,
                    Func::Sqrt => Op::Sqrt,
                    Func::Abs => Op::Abs,
                    Func::Logistic => Op::Logistic,
                    Func::Softplus => Op::Softplus,
                    Func::Floor => Op::Floor,
                    Func::Ceil => Op::Ceil,
                    Func::Sin => Op::Sin,
                    Func::Cos => Op::Cos,
                    Func::Tan => Op::Tan,
                    Func::Clamp => Op::Clamp,
                    Func::Min | Func::Max => {
                        let op = if *func == Func::Min { Op::Min } else { Op::Max };
                        let mut args = args.into_iter();
                        let mut value = args.next().expect("min and max take at least one argument");
                        for arg in args {
                            value = self.apply(op, vec![value, arg], &origin);
                        }
                        return Ok(value);
                    }
                };
                self.apply(op, args, &origin)
            }
            ExprKind::Dist(dist) => self.dist(dist)?,
        })
    }

    /// A binary operation, regrouped when it is a sum or product and optimising.
    fn arithmetic(&mut self, op: Op, lhs: Form, rhs: Form, origin: &Origin) -> Form {
        if !self.optimize {
            return self.plain(op, lhs, rhs, origin);
        }
        match op {
            Op::Add => self.add(lhs, rhs, origin),
            Op::Sub => {
                let negative = self.negate(rhs, origin);
                self.add(lhs, negative, origin)
            }
            Op::Mul => self.multiply(lhs, rhs, origin),
            Op::Div => self.divide_forms(lhs, rhs, origin),
            _ => self.plain(op, lhs, rhs, origin),
        }
    }

    /// Any other operation: its arguments materialised.
    fn apply(&mut self, op: Op, args: Vec<Form>, origin: &Origin) -> Form {
        let args = args.into_iter().map(|arg| self.materialize(arg, origin)).collect();
        Form::of(self.emit(op, args, origin.clone()))
    }

    /// `lhs / rhs`. A divisor that is constant along the axis but whose
    /// quotient is needed at every grid point becomes a reciprocal computed
    /// once, turning a division per sample and point into a multiplication
    /// (within one rounding of the quotient). Dividing by a power of two is
    /// a multiplication, exactly.
    fn divide(&mut self, lhs: Operand, rhs: Operand, origin: Origin) -> Operand {
        if let Operand::Const(divisor) = rhs {
            let reciprocal = 1.0 / divisor;
            let exact = divisor.is_finite()
                && divisor != 0.0
                && reciprocal.is_finite()
                && (reciprocal * divisor == 1.0)
                && divisor.abs().log2().fract() == 0.0;
            if exact {
                return self.emit(Op::Mul, vec![lhs, Operand::Const(reciprocal)], origin);
            }
        }
        let hoist = matches!((lhs.level(), rhs.level()), (Level::Point, Level::Sample) | (Level::Axis, Level::Sample));
        if hoist {
            let reciprocal = self.emit(Op::Div, vec![Operand::Const(1.0), rhs], origin.clone());
            return self.emit(Op::Mul, vec![lhs, reciprocal], origin);
        }
        self.emit(Op::Div, vec![lhs, rhs], origin)
    }

    /// Compiles a distribution parameter, which must not vary along the axis.
    fn dist_arg(&mut self, expr: &hir::Expr, dist: &Dist) -> Result<Operand, Diagnostic> {
        let form = self.expr(expr)?;
        let operand = self.materialize(form, &self.origin(expr.span));
        if matches!(operand.level(), Level::Axis | Level::Point) {
            return Err(Diagnostic::error(format!(
                "the parameters of `{}` cannot depend on the axis variable",
                dist.kind.name()
            ))
            .at(expr.span)
            .with_label("varies along the axis")
            .with_help(format!(
                "distributions are drawn once per sample; shift a fixed draw instead, e.g. `c + normal(0, 1)` rather than `normal(c, 1)` (in `{}`)",
                self.owner
            )));
        }
        Ok(operand)
    }

    fn dist(&mut self, dist: &Dist) -> Result<Form, Diagnostic> {
        match &dist.kind {
            DistKind::PointMass { value } => return self.expr(value),
            DistKind::Mixture { components, weights } => {
                let weights =
                    weights.iter().map(|weight| self.dist_arg(weight, dist)).collect::<Result<Vec<_>, _>>()?;
                let mut args = Vec::with_capacity(components.len() + 1);
                let index = self.draw(DrawDist::Categorical { weights }, dist.span)?;
                args.push(index);
                for component in components {
                    let form = self.expr(component)?;
                    args.push(self.materialize(form, &self.origin(component.span)));
                }
                if args.len() == 2 {
                    return Ok(Form::of(args[1]));
                }
                return Ok(Form::of(self.emit(Op::Pick, args, self.origin(dist.span))));
            }
            _ => {}
        }
        let draw = self.draw_dist(dist)?;
        self.draw(draw, dist.span).map(Form::of)
    }

    fn draw_dist(&mut self, dist: &Dist) -> Result<DrawDist, Diagnostic> {
        let z = |p: f64| crate::math::normal_quantile(1.0 - p);
        Ok(match &dist.kind {
            DistKind::Normal { mean, sd } => {
                DrawDist::Normal { mean: self.dist_arg(mean, dist)?, sd: self.dist_arg(sd, dist)? }
            }
            DistKind::NormalInterval { low, high, p } => {
                DrawDist::NormalInterval { low: self.dist_arg(low, dist)?, high: self.dist_arg(high, dist)?, z: z(*p) }
            }
            DistKind::LogNormal { mu, sigma } => {
                DrawDist::LogNormal { mu: self.dist_arg(mu, dist)?, sigma: self.dist_arg(sigma, dist)? }
            }
            DistKind::LogNormalInterval { low, high, p, written_as_to } => DrawDist::LogNormalInterval {
                low: self.dist_arg(low, dist)?,
                high: self.dist_arg(high, dist)?,
                z: z(*p),
                written_as_to: *written_as_to,
            },
            DistKind::Uniform { low, high } => {
                DrawDist::Uniform { low: self.dist_arg(low, dist)?, high: self.dist_arg(high, dist)? }
            }
            DistKind::Beta { alpha, beta } => {
                DrawDist::Beta { alpha: self.dist_arg(alpha, dist)?, beta: self.dist_arg(beta, dist)? }
            }
            DistKind::BetaMean { mean, k } => {
                DrawDist::BetaMean { mean: self.dist_arg(mean, dist)?, k: self.dist_arg(k, dist)? }
            }
            DistKind::Triangular { min, mode, max } => DrawDist::Triangular {
                min: self.dist_arg(min, dist)?,
                mode: self.dist_arg(mode, dist)?,
                max: self.dist_arg(max, dist)?,
            },
            DistKind::Pert { min, mode, max } => DrawDist::Pert {
                min: self.dist_arg(min, dist)?,
                mode: self.dist_arg(mode, dist)?,
                max: self.dist_arg(max, dist)?,
            },
            DistKind::Bernoulli { p } => DrawDist::Bernoulli { p: self.dist_arg(p, dist)? },
            DistKind::Truncate { inner, low, high } => {
                if let DistKind::PointMass { .. } = inner.kind {
                    return Err(Diagnostic::error("`truncate` of a pointmass is not a distribution").at(dist.span));
                }
                DrawDist::Truncated {
                    inner: Box::new(self.draw_dist(inner)?),
                    low: self.dist_arg(low, dist)?,
                    high: self.dist_arg(high, dist)?,
                }
            }
            DistKind::PointMass { .. } | DistKind::Mixture { .. } => unreachable!("handled by Compiler::dist"),
        })
    }

    /// Emits a draw into a new sample register, validating constant parameters now.
    fn draw(&mut self, dist: DrawDist, span: Span) -> Result<Operand, Diagnostic> {
        let operands = dist.operands();
        if operands.iter().all(|operand| matches!(operand, Operand::Const(_))) {
            let values: Vec<f64> =
                operands.iter().map(|operand| if let Operand::Const(v) = operand { *v } else { 0.0 }).collect();
            if let Err(invalid) = validate(&dist, &values) {
                return Err(invalid.at(span));
            }
        }
        let stream = stream_id(&self.owner, self.draw_ordinal);
        self.draw_ordinal += 1;
        self.draw_count += 1;
        let dst = self.sample_registers;
        self.sample_registers += 1;
        let origin = self.origin(span);
        self.sample_steps.push(SampleStep::Draw(Draw { dst, dist, stream, origin }));
        Ok(Operand::Sample(dst))
    }
}

/// A stable 64-bit id for the `ordinal`-th draw in the expression of `owner` (FNV-1a).
pub fn stream_id(owner: &str, ordinal: u32) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in owner.bytes().chain(ordinal.to_le_bytes()) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// What a run reads besides the instructions: each param's value, the
/// operands of each mechanism term, and net.
fn outputs(program: &Program) -> Vec<Operand> {
    let term_operands = |term: &Term| [Some(term.coefficient), Some(term.axis), term.factor].into_iter().flatten();
    program
        .params
        .iter()
        .copied()
        .chain(program.derived.iter().copied())
        .chain(program.mechanisms.iter().flat_map(|m| m.terms.iter().flat_map(term_operands)))
        .chain([program.net])
        .collect()
}

/// Fuses each unary point instruction into the instruction just before it
/// when that one makes its argument and nothing else reads the value (as in
/// `logistic((c - threshold) / width)`): one pass over the lanes instead of
/// two, and the same value in every lane, computed by the same operations.
/// Runs before register allocation, while every point register is written once.
fn fuse_unary_point_steps(program: &mut Program) {
    let mut uses = vec![0usize; program.point_registers as usize];
    let mut count = |operand: &Operand| {
        if let Operand::Point(register) = operand {
            uses[*register as usize] += 1;
        }
    };
    program.point_steps.iter().flat_map(|instr| &instr.args).for_each(&mut count);
    outputs(program).iter().for_each(count);
    let mut fused: Vec<Instr> = Vec::with_capacity(program.point_steps.len());
    for instr in std::mem::take(&mut program.point_steps) {
        if let (Some(previous), [Operand::Point(argument)]) = (fused.last_mut(), instr.args.as_slice())
            && previous.dst == *argument
            && previous.then.is_none()
            && uses[*argument as usize] == 1
            && instr.then.is_none()
            && instr.op.fuses_after(previous.op)
        {
            previous.then = Some(instr.op);
            previous.dst = instr.dst;
            continue;
        }
        fused.push(instr);
    }
    program.point_steps = fused;
}

/// Maps virtual registers to physical ones so that values whose last use has
/// passed free their register. Params and outputs keep theirs to the end.
fn allocate_registers(program: &mut Program) {
    const FOREVER: usize = usize::MAX;
    let mut sample_last = vec![0usize; program.sample_registers as usize];
    let mut point_last = vec![0usize; program.point_registers as usize];
    let note =
        |operand: &Operand, position: usize, sample_last: &mut Vec<usize>, point_last: &mut Vec<usize>| match operand {
            Operand::Sample(register) => {
                sample_last[*register as usize] = sample_last[*register as usize].max(position)
            }
            Operand::Point(register) => point_last[*register as usize] = point_last[*register as usize].max(position),
            _ => {}
        };
    for (position, step) in program.sample_steps.iter().enumerate() {
        let operands = match step {
            SampleStep::Draw(draw) => draw.dist.operands(),
            SampleStep::Compute(instr) => instr.args.clone(),
        };
        for operand in &operands {
            note(operand, position, &mut sample_last, &mut point_last);
        }
    }
    for (position, instr) in program.point_steps.iter().enumerate() {
        for operand in &instr.args {
            // Sample values read per grid point live through the whole point phase.
            let position = if matches!(operand, Operand::Sample(_)) { FOREVER - 1 } else { position };
            note(operand, position, &mut sample_last, &mut point_last);
        }
    }
    for operand in &outputs(program) {
        note(operand, FOREVER, &mut sample_last, &mut point_last);
    }

    let mut sample_map = RegisterMap::new(sample_last);
    for (position, step) in program.sample_steps.iter_mut().enumerate() {
        match step {
            SampleStep::Draw(draw) => {
                remap_dist(&mut draw.dist, &sample_map);
                draw.dst = sample_map.define(draw.dst);
                sample_map.release_dead(position, &draw.dist.operands(), draw.dst, true);
            }
            SampleStep::Compute(instr) => {
                instr.args.iter_mut().for_each(|arg| sample_map.remap(arg, true));
                instr.dst = sample_map.define(instr.dst);
                sample_map.release_dead(position, &instr.args, instr.dst, true);
            }
        }
    }
    let mut point_map = RegisterMap::new(point_last);
    for (position, instr) in program.point_steps.iter_mut().enumerate() {
        for arg in &mut instr.args {
            match arg {
                Operand::Sample(_) => sample_map.remap(arg, true),
                _ => point_map.remap(arg, false),
            }
        }
        instr.dst = point_map.define(instr.dst);
        point_map.release_dead(position, &instr.args, instr.dst, false);
    }
    for operand in
        program.params.iter_mut().chain(program.derived.iter_mut()).chain(program.mechanisms.iter_mut().flat_map(|m| {
            m.terms
                .iter_mut()
                .flat_map(|term| [&mut term.coefficient, &mut term.axis].into_iter().chain(term.factor.as_mut()))
        }))
    {
        match operand {
            Operand::Sample(_) => sample_map.remap(operand, true),
            Operand::Point(_) => point_map.remap(operand, false),
            _ => {}
        }
    }
    match program.net {
        Operand::Sample(_) => sample_map.remap(&mut program.net, true),
        Operand::Point(_) => point_map.remap(&mut program.net, false),
        _ => {}
    }
    program.sample_registers = sample_map.physical_count;
    program.point_registers = point_map.physical_count;
}

fn remap_dist(dist: &mut DrawDist, map: &RegisterMap) {
    let remap = |operand: &mut Operand| map.remap(operand, true);
    match dist {
        DrawDist::Normal { mean: a, sd: b }
        | DrawDist::NormalInterval { low: a, high: b, .. }
        | DrawDist::LogNormal { mu: a, sigma: b }
        | DrawDist::LogNormalInterval { low: a, high: b, .. }
        | DrawDist::Uniform { low: a, high: b }
        | DrawDist::Beta { alpha: a, beta: b }
        | DrawDist::BetaMean { mean: a, k: b } => {
            remap(a);
            remap(b);
        }
        DrawDist::Triangular { min, mode, max } | DrawDist::Pert { min, mode, max } => {
            remap(min);
            remap(mode);
            remap(max);
        }
        DrawDist::Bernoulli { p } => remap(p),
        DrawDist::Categorical { weights } => weights.iter_mut().for_each(remap),
        DrawDist::Truncated { inner, low, high } => {
            remap_dist(inner, map);
            remap(low);
            remap(high);
        }
    }
}

/// Virtual-to-physical register assignment for one bank.
struct RegisterMap {
    last_use: Vec<usize>,
    physical: Vec<u32>,
    free: BTreeSet<u32>,
    physical_count: u32,
    /// Virtual registers currently holding a physical one, by physical index.
    holder: Vec<Option<u32>>,
}

impl RegisterMap {
    fn new(last_use: Vec<usize>) -> Self {
        let count = last_use.len();
        RegisterMap {
            last_use,
            physical: vec![u32::MAX; count],
            free: BTreeSet::new(),
            physical_count: 0,
            holder: Vec::new(),
        }
    }

    fn define(&mut self, virtual_register: u32) -> u32 {
        let physical = self.free.pop_first().unwrap_or_else(|| {
            self.physical_count += 1;
            self.holder.push(None);
            self.physical_count - 1
        });
        self.physical[virtual_register as usize] = physical;
        self.holder[physical as usize] = Some(virtual_register);
        physical
    }

    fn remap(&self, operand: &mut Operand, sample: bool) {
        match operand {
            Operand::Sample(register) if sample => *register = self.physical[*register as usize],
            Operand::Point(register) if !sample => *register = self.physical[*register as usize],
            _ => {}
        }
    }

    /// Frees the physical registers of arguments (already remapped) whose last use is `position`,
    /// and of a result that is never used.
    fn release_dead(&mut self, position: usize, args: &[Operand], dst: u32, sample: bool) {
        let mut candidates: Vec<u32> = args
            .iter()
            .filter_map(|arg| match arg {
                Operand::Sample(register) if sample => Some(*register),
                Operand::Point(register) if !sample => Some(*register),
                _ => None,
            })
            .collect();
        candidates.push(dst);
        for physical in candidates {
            if let Some(Some(virtual_register)) = self.holder.get(physical as usize).copied()
                && self.last_use[virtual_register as usize] <= position
            {
                self.holder[physical as usize] = None;
                self.free.insert(physical);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exec::{BLOCK, Randomness, Workspace, axis_slots, constant_shapes, lane_value};
    use crate::exec::{run_point_program, run_sample_program};

    fn model(text: &str) -> hir::Model {
        let mut sources = crux_lang::Sources::new();
        let file = sources.add("test.toml", text);
        crux_lang::load(&mut sources, file).expect("test model loads")
    }

    /// Net and each mechanism at every lane of one block, at grid value `x`.
    fn evaluate(program: &Program, x: f64) -> (Vec<f64>, Vec<Vec<f64>>) {
        let shapes = constant_shapes(program);
        let mut workspace = Workspace::new(program);
        run_sample_program(program, &shapes, &mut workspace, BLOCK, Randomness::Seeded { seed: 9, block: 2 })
            .expect("sample program runs");
        let axis = axis_slots(program, x);
        run_point_program(program, &mut workspace, BLOCK, &axis);
        let value = |operand, lane| lane_value(operand, &workspace, &axis, lane);
        let net = (0..BLOCK).map(|lane| value(program.net, lane)).collect();
        let mechanisms = program
            .mechanisms
            .iter()
            .map(|mechanism| {
                (0..BLOCK)
                    .map(|lane| {
                        mechanism
                            .terms
                            .iter()
                            .map(|term| {
                                let factor = term.factor.map_or(1.0, |factor| value(factor, lane));
                                value(term.coefficient, lane) * value(term.axis, lane) * factor
                            })
                            .sum()
                    })
                    .collect()
            })
            .collect();
        (net, mechanisms)
    }

    fn assert_close(optimised: &[f64], plain: &[f64], what: &str) {
        for (lane, (a, b)) in optimised.iter().zip(plain).enumerate() {
            assert!((a - b).abs() <= 1e-12 * (1.0 + b.abs()), "{what}, lane {lane}: {a} vs {b}");
        }
    }

    const ALGEBRA: &str = r#"
[model]
id = "algebra"

[axis]
name = "x"
from = 0
to = 2
step = 0.5

[params]
a = "normal(2, 0.5)"
b = "1 to 3"
k = "uniform(1, 2)"
gate = "bernoulli(0.5)"

[derived]
d1 = "(a * x - b * x) / k + 3 * (x + a) / 2"
d2 = "-(a - x) * (b + 1) * 0.3 / 7"
d3 = "exp(-(x - a) / b) + (x * a) ^ 2 - x / (a + b)"
d4 = "if gate then d1 else d2 * k"
d5 = "logistic((x - a) / b) * logistic(x * 2 - k) * a * b"

[mechanisms.one]
side = "benefit"
effect = "d1 * b + d3"

[mechanisms.two]
side = "risk"
effect = "d2 - a * b / k + d5 * 3"

[mechanisms.three]
side = "benefit"
effect = "x * 2 - x / 4 + d4 + d5 / k"

[mechanisms.four]
side = "risk"
effect = "3 * b"
"#;

    /// A value read both by a unary function and by a mechanism.
    const READ_TWICE: &str = r#"
[model]
id = "twice"

[axis]
name = "x"
from = 0
to = 2
step = 0.5

[params]
a = "normal(1, 0.5)"
b = "1 to 3"

[derived]
z = "logistic(x - a) * logistic(x - b)"

[mechanisms.one]
side = "benefit"
effect = "exp(z) + z"
"#;

    fn ref_v1() -> String {
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../bench/ref-v1.toml"))
            .expect("bench/ref-v1.toml is in the repository")
    }

    #[test]
    fn a_unary_step_fuses_into_the_step_that_makes_its_only_argument() {
        let program = compile(&model(&ref_v1())).expect("compiles");
        let fused: Vec<(Op, Option<Op>)> = program.point_steps.iter().map(|instr| (instr.op, instr.then)).collect();
        // logistic((c - threshold) / width) and logistic((c - compute) / 0.5).
        assert_eq!(fused.iter().filter(|(_, then)| *then == Some(Op::Logistic)).count(), 2, "{fused:?}");
        assert!(fused.iter().all(|(op, _)| *op != Op::Logistic), "{fused:?}");
        // The product read by both exp and the mechanism is kept: exp stays a step of its own.
        let program = compile(&model(READ_TWICE)).expect("compiles");
        let steps: Vec<(Op, Option<Op>)> = program.point_steps.iter().map(|instr| (instr.op, instr.then)).collect();
        assert!(steps.contains(&(Op::Exp, None)), "{steps:?}");
        assert_eq!(steps.iter().filter(|(_, then)| *then == Some(Op::Logistic)).count(), 2, "{steps:?}");
        // Without optimisation nothing is fused.
        let plain = compile_with(&model(&ref_v1()), false).expect("compiles");
        assert!(plain.point_steps.iter().all(|instr| instr.then.is_none()));
    }

    #[test]
    fn regrouped_programs_compute_what_the_expressions_say() {
        let ref_v1 = ref_v1();
        for text in [ALGEBRA, READ_TWICE, ref_v1.as_str()] {
            let model = model(text);
            let optimised = compile(&model).expect("compiles");
            let plain = compile_with(&model, false).expect("compiles");
            for x in [optimised.grid[0], optimised.grid[optimised.grid.len() / 2], *optimised.grid.last().unwrap()] {
                let (net, mechanisms) = evaluate(&optimised, x);
                let (plain_net, plain_mechanisms) = evaluate(&plain, x);
                assert_close(&net, &plain_net, &format!("net at {x}"));
                for (index, (a, b)) in mechanisms.iter().zip(&plain_mechanisms).enumerate() {
                    assert_close(a, b, &format!("mechanism {index} at {x}"));
                }
            }
        }
    }

    #[test]
    fn regrouping_moves_sample_work_out_of_the_point_program() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../bench/ref-v1.toml");
        let model = model(&std::fs::read_to_string(path).expect("bench/ref-v1.toml"));
        let optimised = compile(&model).expect("compiles");
        let plain = compile_with(&model, false).expect("compiles");
        assert!(optimised.point_steps.len() <= 10, "{} point instructions", optimised.point_steps.len());
        assert!(plain.point_steps.len() > 2 * optimised.point_steps.len());
        // Six mechanisms of ref-v1 are a sample value times the axis-level `relevance`.
        let without_factor = optimised.mechanisms.iter().filter(|m| m.terms.iter().all(|t| t.factor.is_none())).count();
        assert_eq!(without_factor, 6);
    }

    #[test]
    fn constant_folding_errors_are_still_reported() {
        let text = "[model]\nid = \"m\"\n\n[params]\na = \"normal(0, 1)\"\n\n[mechanisms.one]\nside = \"benefit\"\neffect = \"a * (1 / 0)\"\n";
        assert!(compile(&model(text)).is_err());
        let text = "[model]\nid = \"m\"\n\n[params]\na = \"normal(0, 1)\"\n\n[mechanisms.one]\nside = \"benefit\"\neffect = \"(a * 1e200) * 1e200\"\n";
        assert!(compile(&model(text)).is_ok(), "regrouping does not fold 1e200 * 1e200 into an error");
    }
}
