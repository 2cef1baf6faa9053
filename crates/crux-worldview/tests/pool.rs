//! Linear pooling: a mixture of whole views, independent of member order,
//! exact for identical views, and linear in the weights.

use crux_engine::{Engine, RunOptions, RunOutput};
use crux_lang::Sources;
use crux_lang::model::{ModelFile, parse_model};
use crux_lang::resolve::resolve;
use crux_worldview::{Beliefs, Member, linear_pool};

const MODEL: &str = "[model]\nid = \"pool-test\"\n\n[params]\na = \"normal(0, 1)\"\nb = \"normal(0, 1)\"\n\n\
                     [mechanisms.product]\nside = \"benefit\"\neffect = \"a * b\"\n";

fn model(sources: &mut Sources) -> ModelFile {
    let file = sources.add("pool-test.toml", MODEL);
    parse_model(sources, file).expect("valid model")
}

fn beliefs(pairs: &[(&str, &str)]) -> Beliefs {
    Beliefs {
        overrides: pairs.iter().map(|(name, text)| (name.to_string(), text.to_string())).collect(),
        ..Beliefs::default()
    }
}

fn run(file: ModelFile) -> RunOutput {
    let engine = Engine::new(&resolve(file).expect("resolves")).expect("compiles");
    engine.run(&RunOptions::new(50_000, 3)).expect("runs")
}

fn pooled(members: &[(Beliefs, f64)]) -> RunOutput {
    let mut sources = Sources::new();
    let base = model(&mut sources);
    let members: Vec<Member> =
        members.iter().map(|(beliefs, weight)| Member { beliefs: beliefs.clone(), weight: *weight }).collect();
    let file = linear_pool(&mut sources, &base, &members).expect("pools");
    run(file)
}

fn alone(view: &Beliefs) -> RunOutput {
    let mut sources = Sources::new();
    let mut file = model(&mut sources);
    view.apply(&mut sources, &mut file, "view").expect("applies");
    run(file)
}

#[test]
fn pooling_a_view_with_itself_gives_that_view_exactly() {
    let view = beliefs(&[("a", "normal(2, 1)")]);
    assert_eq!(pooled(&[(view.clone(), 1.0), (view.clone(), 2.0)]).net, alone(&view).net);
}

#[test]
fn pooling_does_not_depend_on_member_order() {
    let first = beliefs(&[("a", "normal(2, 1)")]);
    let second = beliefs(&[("a", "normal(-1, 0.5)"), ("b", "3 to 4")]);
    let third = beliefs(&[]);
    let forward = pooled(&[(first.clone(), 1.0), (second.clone(), 2.0), (third.clone(), 0.5)]);
    let backward = pooled(&[(third, 0.5), (second, 2.0), (first, 1.0)]);
    assert_eq!(forward.net, backward.net);
}

#[test]
fn a_member_with_zero_weight_drops_out() {
    let first = beliefs(&[("a", "normal(2, 1)")]);
    let second = beliefs(&[("a", "normal(-5, 1)")]);
    assert_eq!(pooled(&[(first.clone(), 1.0), (second, 0.0)]).net, alone(&first).net);
}

#[test]
fn the_pooled_mean_is_the_weighted_mean_of_the_members() {
    let low = beliefs(&[("a", "normal(0, 1)"), ("b", "pointmass(1)")]);
    let high = beliefs(&[("a", "normal(10, 1)"), ("b", "pointmass(1)")]);
    let mean = pooled(&[(low, 1.0), (high, 3.0)]).net[0].mean;
    // A mixture of normal(0, 1) and normal(10, 1) with weights 1/4 and 3/4: mean 7.5, sd about 4.4.
    assert!((mean - 7.5).abs() < 5.0 * 4.44 / (50_000f64).sqrt(), "pooled mean {mean}");
}

#[test]
fn each_sample_takes_one_member_whole() {
    // In each view a and b have the same sign, so a * b > 0; mixing params
    // independently across views would make half the products negative.
    let positive = beliefs(&[("a", "pointmass(1)"), ("b", "pointmass(1)")]);
    let negative = beliefs(&[("a", "pointmass(-1)"), ("b", "pointmass(-1)")]);
    let output = pooled(&[(positive, 1.0), (negative, 1.0)]);
    assert_eq!(output.net[0].p_positive, 1.0);
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn view() -> impl Strategy<Value = Beliefs> {
        let expressions =
            prop::sample::select(vec!["normal(1, 2)", "2 to 8", "beta(2, 5)", "pointmass(-3)", "uniform(-1, 4)"]);
        (prop::option::of(expressions.clone()), prop::option::of(expressions)).prop_map(|(a, b)| {
            let mut pairs = Vec::new();
            if let Some(a) = a {
                pairs.push(("a", a));
            }
            if let Some(b) = b {
                pairs.push(("b", b));
            }
            beliefs(&pairs)
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        #[test]
        fn pooling_is_independent_of_member_order(
            members in prop::collection::vec((view(), 0.0f64..5.0), 1..5),
            rotation in 0usize..5,
        ) {
            prop_assume!(members.iter().any(|(_, weight)| *weight > 0.0));
            let mut rotated = members.clone();
            rotated.rotate_left(rotation % members.len());
            rotated.reverse();
            prop_assert_eq!(pooled(&members).net, pooled(&rotated).net);
        }
    }
}
