//! The inputs of the variance-based analyses: the model's independent random
//! draws, gathered into *factors* (one per param, derived value or mechanism
//! that writes a distribution) and *groups* (one per crux).
//!
//! The engine makes net a deterministic function of independent uniforms,
//! one per draw ([`Engine::net_from_uniforms`]). The analyses vary those
//! draws, never the params themselves, so params that depend on other params
//! need no special care: a param's factor is the set of draws written in its
//! own expression (`hazard = "if hard then 10 to 100 else 0.5 to 5"` owns two
//! draws; `hard` is its own factor). A param computed from other params
//! without a distribution of its own owns no draw and has no factor. A
//! discrete param (bernoulli, a mixture's component) is one uniform input like
//! any other, mapped through its quantile function.
//!
//! Correlated params (`[[correlations]]`) are still functions of independent
//! uniforms: the engine's copula mixes the uniforms of one crux's params
//! before their quantile functions. Correlations never cross cruxes, so the
//! groups below stay independent and their indices and value of information
//! keep their meaning; a single param's factor in a correlated crux stands
//! for its own uniform before the mixing, not for the param alone.
//!
//! Groups: each param's draws join the group of its `crux`. Draws of params
//! without a crux, and draws written inside derived values or mechanisms,
//! join the group [`OTHER_GROUP`]. A model that names no crux at all is
//! analysed per factor: each factor is its own group.

use crux_engine::Engine;
use crux_engine::program::SampleStep;

/// The group of every draw whose param names no crux.
pub const OTHER_GROUP: &str = "other";

/// What the report, the JSON, the web page and the CLI call the group
/// [`OTHER_GROUP`]: one name everywhere.
pub const OTHER_GROUP_NAME: &str = "Other params";

/// What kind of declaration owns a factor's draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    Param,
    Derived,
    Mechanism,
}

/// The draws written in one declaration's expression.
#[derive(Debug, Clone, PartialEq)]
pub struct Factor {
    pub name: String,
    pub owner: Owner,
    /// Indices of the draws (columns of the uniforms) this factor owns.
    pub draws: Vec<usize>,
    /// The crux of the param, if it names one.
    pub crux: Option<String>,
}

/// A set of factors varied together.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub name: String,
    /// Indices into [`Inputs::factors`].
    pub factors: Vec<usize>,
    /// Indices of all draws of those factors.
    pub draws: Vec<usize>,
}

/// The factors and groups of a model.
#[derive(Debug, Clone, PartialEq)]
pub struct Inputs {
    /// The number of draws: the dimension of the input space.
    pub dimension: usize,
    pub factors: Vec<Factor>,
    pub groups: Vec<Group>,
}

impl Inputs {
    /// The factors and groups of the engine's model.
    pub fn of(engine: &Engine) -> Inputs {
        let model = engine.model();
        let file = &model.file;
        let owners = engine.draw_owners();
        let draws: Vec<&crux_engine::program::Draw> = engine
            .program()
            .sample_steps
            .iter()
            .filter_map(|step| match step {
                SampleStep::Draw(draw) => Some(draw),
                SampleStep::Compute(_) => None,
            })
            .collect();
        let mut factors: Vec<Factor> = Vec::new();
        for (index, owner) in owners.iter().enumerate() {
            // A mechanism may share a param's name: the draw's place in the
            // file tells which of the two wrote it.
            let inside = |expr: &crux_lang::hir::Expr| {
                let (outer, inner) = (expr.span, draws[index].origin.span);
                outer.file == inner.file && outer.start <= inner.start && inner.end <= outer.end
            };
            let mechanism = file
                .mechanisms
                .iter()
                .zip(&model.mechanisms)
                .any(|(mechanism, effect)| mechanism.id.name == *owner && inside(effect));
            let kind = if mechanism {
                Owner::Mechanism
            } else if file.param(owner).is_some() {
                Owner::Param
            } else if file.derived.iter().any(|derived| derived.name.name == *owner) {
                Owner::Derived
            } else {
                Owner::Mechanism
            };
            match factors.iter_mut().find(|factor| factor.name == *owner && factor.owner == kind) {
                Some(factor) => factor.draws.push(index),
                None => {
                    let crux = match kind {
                        Owner::Param => file.param(owner).and_then(|param| param.crux.as_ref()).map(|c| c.name.clone()),
                        _ => None,
                    };
                    factors.push(Factor { name: owner.to_string(), owner: kind, draws: vec![index], crux });
                }
            }
        }
        let groups = if factors.iter().any(|factor| factor.crux.is_some()) {
            let mut groups: Vec<Group> = Vec::new();
            // Groups in the order the model file names them, "other" last.
            let mut names: Vec<&str> =
                file.params.iter().filter_map(|param| param.crux.as_ref()).map(|c| c.name.as_str()).collect();
            names.push(OTHER_GROUP);
            for name in names {
                if groups.iter().any(|group| group.name == name) {
                    continue;
                }
                let members: Vec<usize> = (0..factors.len())
                    .filter(|index| factors[*index].crux.as_deref().unwrap_or(OTHER_GROUP) == name)
                    .collect();
                if !members.is_empty() {
                    groups.push(Group::new(name, members, &factors));
                }
            }
            groups
        } else {
            (0..factors.len()).map(|index| Group::new(&factors[index].name, vec![index], &factors)).collect()
        };
        Inputs { dimension: owners.len(), factors, groups }
    }

    /// A factor's name as shown to users: a mechanism or derived value that
    /// shares a param's name is qualified by its kind.
    pub fn label(&self, index: usize) -> String {
        let factor = &self.factors[index];
        let shared = self.factors.iter().filter(|other| other.name == factor.name).count() > 1;
        match (shared, factor.owner) {
            (true, Owner::Derived) => format!("derived.{}", factor.name),
            (true, Owner::Mechanism) => format!("mechanisms.{}", factor.name),
            _ => factor.name.clone(),
        }
    }
}

impl Group {
    fn new(name: &str, factors: Vec<usize>, all: &[Factor]) -> Group {
        let mut draws: Vec<usize> = factors.iter().flat_map(|index| all[*index].draws.iter().copied()).collect();
        draws.sort_unstable();
        Group { name: name.to_string(), factors, draws }
    }
}
