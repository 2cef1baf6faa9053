//! `[studies.<id>]`: what reads, and every mistake reported at its place.

use crux_lang::studies::Observation;

const HEAD: &str = "[model]\nid = \"m\"\ntitle = \"m\"\nunit = \"bp\"\n[params]\n\
                    c_misuse = \"normal(0.5, 2)\"\nrate = \"beta(2, 8)\"\n\
                    [mechanisms.m]\nside = \"benefit\"\neffect = \"c_misuse + rate\"\n";

/// Loads `HEAD` plus `studies`; on failure, each diagnostic as `location: message (help)`.
fn load(studies: &str) -> Result<crux_lang::hir::Model, Vec<String>> {
    crux_test_support::load_or_errors("m.toml", &format!("{HEAD}{studies}"))
}

#[test]
fn normal_and_binomial_studies_read() {
    let model = load(
        "[studies.uplift_trial]\nmeasures = \"c_misuse\"\nnoise_sd = 2\ncost = 0.5\ntitle = \"An uplift trial\"\n\
         [studies.red_team]\nmeasures = \"rate\"\ntrials = 40\n",
    )
    .unwrap();
    let studies = &model.file.studies;
    assert_eq!(studies.len(), 2);
    assert_eq!(studies[0].id.name, "uplift_trial");
    assert_eq!(studies[0].measures.name, "c_misuse");
    assert_eq!(studies[0].observation, Observation::Normal { noise_sd: 2.0 });
    assert_eq!(studies[0].cost, Some(0.5));
    assert_eq!(studies[0].name(), "An uplift trial");
    assert_eq!(studies[1].observation, Observation::Binomial { trials: 40 });
    assert_eq!(studies[1].cost, None);
    assert_eq!(studies[1].name(), "red_team");
}

#[test]
fn mistakes_are_errors_at_their_place() {
    // The study tables start on line 11 of the file.
    let cases = [
        ("[studies.s]\nmeasures = \"c_misus\"\nnoise_sd = 1\n", "m.toml:12:12", "not a param", "c_misuse"),
        ("[studies.s]\nnoise_sd = 1\n", "m.toml:11:10", "has no `measures`", "measures = "),
        ("[studies.s]\nmeasures = \"rate\"\n", "m.toml:11:10", "neither `noise_sd` nor `trials`", "trials = N"),
        ("[studies.s]\nmeasures = \"rate\"\nnoise_sd = 0\n", "m.toml:13:12", "positive number, not 0", ""),
        ("[studies.s]\nmeasures = \"rate\"\nnoise_sd = -1.5\n", "m.toml:13:12", "positive number", ""),
        ("[studies.s]\nmeasures = \"rate\"\nnoise_sd = nan\n", "m.toml:13:12", "positive number", ""),
        ("[studies.s]\nmeasures = \"rate\"\ntrials = 0\n", "m.toml:13:10", "whole number from 1", ""),
        ("[studies.s]\nmeasures = \"rate\"\ntrials = 10\nnoise_sd = 1\n", "m.toml:13:10", "both", "not both"),
        ("[studies.s]\nmeasures = \"rate\"\ntrials = 10\ncost = -1\n", "m.toml:14:8", "at least 0", ""),
        ("[studies.s]\nmeasures = \"rate\"\ntrials = 10\ncots = 1\n", "m.toml:14:1", "unknown field `cots`", "cost"),
        ("[studies.s]\nmeasures = \"rate\"\ntrials = 2.5\n", "m.toml:13:10", "invalid type", ""),
    ];
    for (studies, place, message, help) in cases {
        let errors = load(studies).expect_err(studies);
        assert_eq!(errors.len(), 1, "{studies}: {errors:?}");
        let error = &errors[0];
        assert!(error.starts_with(&format!("{place}: ")), "{studies}: {error}");
        assert!(error.contains(message), "{studies}: {error}");
        assert!(error.contains(help), "{studies}: {error}");
    }
}
