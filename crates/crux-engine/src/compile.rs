//! Compiles a resolved model into a [`Program`]: constant folding, hoisting
//! every value to the lowest [`Level`] it needs, validating constant
//! distribution parameters, and allocating registers.

use crate::distributions::validate;
use crate::ops::apply_scalar;
use crate::program::{Draw, DrawDist, Instr, Level, MechanismOutput, Op, Operand, Origin, Program, SampleStep};
use crux_lang::ast::{BinaryOp, UnaryOp};
use crux_lang::hir::{self, Dist, DistKind, ExprKind, Func};
use crux_lang::model::Side;
use crux_lang::{Diagnostic, Diagnostics, Span};
use std::collections::BTreeSet;

/// Compiles `model`. `reuse_registers` lets values that are no longer needed
/// share registers (always on, except when tracing a non-finite value).
pub fn compile(model: &hir::Model) -> Result<Program, Diagnostics> {
    compile_with(model, true)
}

pub(crate) fn compile_with(model: &hir::Model, reuse_registers: bool) -> Result<Program, Diagnostics> {
    let mut compiler = Compiler {
        axis_steps: Vec::new(),
        axis_slots: 1,
        sample_steps: Vec::new(),
        sample_registers: 0,
        point_steps: Vec::new(),
        point_registers: 0,
        params: vec![Operand::Const(f64::NAN); model.params.len()],
        derived: vec![Operand::Const(f64::NAN); model.derived.len()],
        owner: String::new(),
        draw_ordinal: 0,
        draw_count: 0,
        folding_error: None,
    };
    let mut diagnostics = Vec::new();
    for &index in &model.param_order {
        compiler.begin(&model.file.params[index].name.name);
        match compiler.expr(&model.params[index]) {
            Ok(operand) => compiler.params[index] = operand,
            Err(error) => diagnostics.push(error),
        }
    }
    for &index in &model.derived_order {
        compiler.begin(&model.file.derived[index].name.name);
        match compiler.expr(&model.derived[index]) {
            Ok(operand) => compiler.derived[index] = operand,
            Err(error) => diagnostics.push(error),
        }
    }
    let mut mechanisms = Vec::new();
    for (declaration, effect) in model.file.mechanisms.iter().zip(&model.mechanisms) {
        compiler.begin(&declaration.id.name);
        match compiler.expr(effect) {
            Ok(value) => mechanisms.push(MechanismOutput {
                id: declaration.id.name.clone(),
                benefit: declaration.side == Side::Benefit,
                value,
            }),
            Err(error) => diagnostics.push(error),
        }
    }
    diagnostics.extend(compiler.folding_error.take());
    if !diagnostics.is_empty() {
        return Err(diagnostics);
    }
    compiler.begin("net");
    let origin = compiler.origin(Span::default());
    let mut net = None;
    for mechanism in &mechanisms {
        net = Some(match (net, mechanism.benefit) {
            (None, true) => mechanism.value,
            (None, false) => compiler.emit(Op::Neg, vec![mechanism.value], origin.clone()),
            (Some(sum), benefit) => {
                compiler.emit(if benefit { Op::Add } else { Op::Sub }, vec![sum, mechanism.value], origin.clone())
            }
        });
    }
    let net = net.unwrap_or(Operand::Const(0.0));
    let grid = model.file.axis.as_ref().map_or_else(|| vec![0.0], |axis| axis.values());
    let mut program = Program {
        axis_steps: compiler.axis_steps,
        axis_slots: compiler.axis_slots,
        sample_steps: compiler.sample_steps,
        sample_registers: compiler.sample_registers,
        point_steps: compiler.point_steps,
        point_registers: compiler.point_registers,
        params: compiler.params,
        derived: compiler.derived,
        mechanisms,
        net,
        grid,
        draw_count: compiler.draw_count,
    };
    if reuse_registers {
        allocate_registers(&mut program);
    }
    Ok(program)
}

struct Compiler {
    axis_steps: Vec<Instr>,
    axis_slots: u32,
    sample_steps: Vec<SampleStep>,
    sample_registers: u32,
    point_steps: Vec<Instr>,
    point_registers: u32,
    params: Vec<Operand>,
    derived: Vec<Operand>,
    owner: String,
    draw_ordinal: u32,
    draw_count: usize,
    /// The first constant expression that folded to a non-finite value.
    folding_error: Option<Diagnostic>,
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
        let level = args.iter().fold(Level::Const, |level, arg| level.join(arg.level()));
        match level {
            Level::Const | Level::Axis => {
                let dst = self.axis_slots;
                self.axis_slots += 1;
                self.axis_steps.push(Instr { op, dst, args, origin });
                Operand::Axis(dst)
            }
            Level::Sample => {
                let dst = self.sample_registers;
                self.sample_registers += 1;
                self.sample_steps.push(SampleStep::Compute(Instr { op, dst, args, origin }));
                Operand::Sample(dst)
            }
            Level::Point => {
                let dst = self.point_registers;
                self.point_registers += 1;
                self.point_steps.push(Instr { op, dst, args, origin });
                Operand::Point(dst)
            }
        }
    }

    fn expr(&mut self, expr: &hir::Expr) -> Result<Operand, Diagnostic> {
        let origin = self.origin(expr.span);
        Ok(match &expr.kind {
            ExprKind::Number(value) => Operand::Const(*value),
            ExprKind::Param(index) => self.params[*index],
            ExprKind::Derived(index) => self.derived[*index],
            ExprKind::Axis => Operand::Axis(0),
            ExprKind::Unary(op, operand) => {
                let operand = self.expr(operand)?;
                let op = match op {
                    UnaryOp::Neg => Op::Neg,
                    UnaryOp::Not => Op::Not,
                };
                self.emit(op, vec![operand], origin)
            }
            ExprKind::Binary(op, lhs, rhs) => {
                let lhs = self.expr(lhs)?;
                let rhs = self.expr(rhs)?;
                let op = match op {
                    BinaryOp::Add => Op::Add,
                    BinaryOp::Sub => Op::Sub,
                    BinaryOp::Mul => Op::Mul,
                    BinaryOp::Div => return Ok(self.divide(lhs, rhs, origin)),
                    BinaryOp::Pow if rhs == Operand::Const(2.0) => {
                        return Ok(self.emit(Op::Mul, vec![lhs, lhs], origin));
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
                self.emit(op, vec![lhs, rhs], origin)
            }
            ExprKind::If(condition, then_branch, else_branch) => {
                let condition = self.expr(condition)?;
                if let Operand::Const(value) = condition {
                    return self.expr(if crate::math::truth(value) { then_branch } else { else_branch });
                }
                let then_value = self.expr(then_branch)?;
                let else_value = self.expr(else_branch)?;
                self.emit(Op::Select, vec![condition, then_value, else_value], origin)
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
                    Func::Floor => Op::Floor,
                    Func::Ceil => Op::Ceil,
                    Func::Sin => Op::Sin,
                    Func::Cos => Op::Cos,
                    Func::Tan => Op::Tan,
                    Func::Clamp => Op::Clamp,
                    Func::Min | Func::Max => {
                        let op = if *func == Func::Min { Op::Min } else { Op::Max };
                        let mut value = args[0];
                        for arg in &args[1..] {
                            value = self.emit(op, vec![value, *arg], origin.clone());
                        }
                        return Ok(value);
                    }
                };
                self.emit(op, args, origin)
            }
            ExprKind::Dist(dist) => self.dist(dist)?,
        })
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
        let operand = self.expr(expr)?;
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

    fn dist(&mut self, dist: &Dist) -> Result<Operand, Diagnostic> {
        match &dist.kind {
            DistKind::PointMass { value } => return self.expr(value),
            DistKind::Mixture { components, weights } => {
                let weights =
                    weights.iter().map(|weight| self.dist_arg(weight, dist)).collect::<Result<Vec<_>, _>>()?;
                let mut args = Vec::with_capacity(components.len() + 1);
                let index = self.draw(DrawDist::Categorical { weights }, dist.span)?;
                args.push(index);
                for component in components {
                    args.push(self.expr(component)?);
                }
                if args.len() == 2 {
                    return Ok(args[1]);
                }
                return Ok(self.emit(Op::Pick, args, self.origin(dist.span)));
            }
            _ => {}
        }
        let draw = self.draw_dist(dist)?;
        self.draw(draw, dist.span)
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
    let pinned = program
        .params
        .iter()
        .chain(&program.derived)
        .chain(program.mechanisms.iter().map(|m| &m.value))
        .chain([&program.net]);
    for operand in pinned {
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
    for operand in program
        .params
        .iter_mut()
        .chain(program.derived.iter_mut())
        .chain(program.mechanisms.iter_mut().map(|m| &mut m.value))
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
