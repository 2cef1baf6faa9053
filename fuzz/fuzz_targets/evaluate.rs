//! Well-formed models built from fuzz input (params drawn from every
//! distribution with arbitrary numbers, derived values combining them with
//! every operator and function): compiling and running a few samples never
//! panics, and every result is finite or a diagnostic naming an expression.
#![no_main]

use arbitrary::Arbitrary;
use crux_engine::{Engine, RunOptions};
use crux_lang::Sources;
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
enum Dist {
    Normal(f64, f64),
    To(f64, f64),
    Uniform(f64, f64),
    Beta(f64, f64),
    Triangular(f64, f64, f64),
    Pert(f64, f64, f64),
    Bernoulli(f64),
    Point(f64),
    Mixture(Box<Dist>, Box<Dist>, f64),
    Truncate(Box<Dist>, f64, f64),
}

impl Dist {
    fn text(&self, depth: u32) -> String {
        let number = |x: &f64| format!("({x:e})");
        match self {
            _ if depth > 3 => "1".to_string(),
            Dist::Normal(a, b) => format!("normal({}, {})", number(a), number(b)),
            Dist::To(a, b) => format!("{} to {}", number(a), number(b)),
            Dist::Uniform(a, b) => format!("uniform({}, {})", number(a), number(b)),
            Dist::Beta(a, b) => format!("beta({}, {})", number(a), number(b)),
            Dist::Triangular(a, b, c) => format!("triangular({}, {}, {})", number(a), number(b), number(c)),
            Dist::Pert(a, b, c) => format!("pert({}, {}, {})", number(a), number(b), number(c)),
            Dist::Bernoulli(p) => format!("bernoulli({})", number(p)),
            Dist::Point(x) => format!("pointmass({})", number(x)),
            Dist::Mixture(a, b, w) => format!("mixture({}, {}, [1, {}])", a.text(depth + 1), b.text(depth + 1), number(w)),
            Dist::Truncate(d, lo, hi) => format!("truncate({}, {}, {})", d.text(depth + 1), number(lo), number(hi)),
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Formula {
    Param(u8),
    Axis,
    Number(f64),
    Binary(u8, Box<Formula>, Box<Formula>),
    Function(u8, Box<Formula>),
    If(Box<Formula>, Box<Formula>, Box<Formula>),
}

impl Formula {
    fn text(&self, params: usize, depth: u32) -> String {
        const OPERATORS: [&str; 13] = ["+", "-", "*", "/", "^", "<", "<=", ">", ">=", "==", "!=", "and", "or"];
        const FUNCTIONS: [&str; 13] =
            ["exp", "ln", "log10", "log2", "sqrt", "abs", "logistic", "floor", "ceil", "sin", "cos", "tan", "-"];
        match self {
            _ if depth > 6 => "1".to_string(),
            Formula::Param(index) => format!("p{}", *index as usize % params),
            Formula::Axis => "c".to_string(),
            Formula::Number(x) => format!("({x:e})"),
            Formula::Binary(op, a, b) => format!(
                "({} {} {})",
                a.text(params, depth + 1),
                OPERATORS[*op as usize % OPERATORS.len()],
                b.text(params, depth + 1)
            ),
            Formula::Function(f, a) => format!("{}({})", FUNCTIONS[*f as usize % FUNCTIONS.len()], a.text(params, depth + 1)),
            Formula::If(c, a, b) => format!(
                "(if {} then {} else {})",
                c.text(params, depth + 1),
                a.text(params, depth + 1),
                b.text(params, depth + 1)
            ),
        }
    }
}

#[derive(Arbitrary, Debug)]
struct Model {
    params: Vec<Dist>,
    benefit: Formula,
    risk: Formula,
}

fuzz_target!(|input: Model| {
    if input.params.is_empty() || input.params.len() > 12 {
        return;
    }
    let mut text = String::from("[model]\nid = \"fuzz\"\n\n[axis]\nname = \"c\"\nfrom = 23.0\nto = 29.0\nstep = 2.0\n\n[params]\n");
    for (index, dist) in input.params.iter().enumerate() {
        text.push_str(&format!("p{index} = \"{}\"\n", dist.text(0)));
    }
    let count = input.params.len();
    text.push_str(&format!(
        "\n[mechanisms.gain]\nside = \"benefit\"\neffect = \"{}\"\n\n[mechanisms.loss]\nside = \"risk\"\neffect = \"{}\"\n",
        input.benefit.text(count, 0),
        input.risk.text(count, 0)
    ));
    let mut sources = Sources::new();
    let file = sources.add("generated.toml", text.as_str());
    let model = match crux_lang::load(&mut sources, file) {
        Ok(model) => model,
        Err(errors) => {
            assert!(errors.iter().all(|error| error.span.is_some()), "{text}\n{errors:?}");
            return;
        }
    };
    let Ok(engine) = Engine::new(&model) else { return };
    match engine.run(&RunOptions::new(64, 1)) {
        Ok(output) => {
            for summary in &output.net {
                assert!(summary.mean.is_finite() && summary.p05.is_finite() && summary.p95.is_finite(), "{text}");
            }
        }
        Err(error) => assert!(!error.message.is_empty()),
    }
});
