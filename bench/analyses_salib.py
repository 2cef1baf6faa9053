"""The analyses of `crux sensitivity` and `crux voi` done the way an analyst
would in Python, on the numpy reference model (ref_model.py, ref-v1): Sobol
indices with SALib (Saltelli sampling, Jansen/Saltelli estimators, bootstrap
intervals) and EVPPI with a numpy nested design like Crux's (64 inner runs per
outer point, decisions cross-fitted). Prints timings and the indices, to set
beside `cargo bench -p crux-analysis --bench analyses` in the same session.

Usage: python3 -m pip install numpy scipy SALib
       python3 bench/analyses_salib.py [N_SOBOL] [N_VOI] [RESAMPLES]
"""
import sys, time
import numpy as np
from scipy import stats
from SALib.sample import sobol as sobol_sample
from SALib.analyze import sobol as sobol_analyze

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from ref_model import Z90, net  # noqa: E402

C = 26.0  # the grid point analysed (index 30 of 23..29 step 0.1)

# One uniform input per random draw of ref-v1, in Crux's order; hazard and
# research_value draw one value per branch and switch on `hard`.
DRAWS = ["hard", "misuse_threshold", "misuse_width", "misuse_severity", "safeguard_removal",
         "closed_block", "actor_compute", "lag", "race_years", "hazard_hard", "hazard_easy",
         "research_speedup", "research_value_hard", "research_value_easy", "decentral",
         "transparency", "accountability", "redteam", "proliferation", "irrev_years"]
PARAM = {draw: draw.rsplit("_hard", 1)[0].rsplit("_easy", 1)[0] for draw in DRAWS}


def to(u, lo, hi):
    """`lo to hi`: the lognormal with that 90% interval, by its quantile function."""
    mu, sigma = (np.log(lo) + np.log(hi)) / 2, (np.log(hi) - np.log(lo)) / (2 * Z90)
    return np.exp(mu + sigma * stats.norm.ppf(u))


def params_from_uniforms(u):
    """u: (rows, 20) uniforms -> the dict of params ref_model.net takes."""
    col = {name: u[:, i] for i, name in enumerate(DRAWS)}
    hard = col["hard"] > 0.5
    return dict(
        misuse_threshold=stats.norm.ppf(col["misuse_threshold"], 27, 0.9),
        misuse_width=to(col["misuse_width"], 0.3, 1.0),
        misuse_severity=to(col["misuse_severity"], 1, 100),
        safeguard_removal=stats.beta.ppf(col["safeguard_removal"], 9, 1),
        closed_block=stats.beta.ppf(col["closed_block"], 8, 2),
        actor_compute=stats.norm.ppf(col["actor_compute"], 24, 0.6),
        lag=to(col["lag"], 0.5, 2), race_years=to(col["race_years"], 0.05, 0.5),
        hazard=np.where(hard, to(col["hazard_hard"], 10, 100), to(col["hazard_easy"], 0.5, 5)),
        research_speedup=to(col["research_speedup"], 0.05, 0.3),
        research_value=np.where(hard, to(col["research_value_hard"], 5, 200),
                                to(col["research_value_easy"], 1, 20)),
        decentral=to(col["decentral"], 1, 30), transparency=to(col["transparency"], 0.5, 10),
        accountability=to(col["accountability"], 0.5, 10), redteam=to(col["redteam"], 0.5, 10),
        proliferation=to(col["proliferation"], 0.5, 20), irrev_years=to(col["irrev_years"], 2, 10))


def model(u):
    return net(params_from_uniforms(u), C)


def sensitivity(n, resamples):
    # Each param is one SALib group (its draws switched together), as in Crux.
    problem = {"num_vars": len(DRAWS), "names": DRAWS, "bounds": [[0, 1]] * len(DRAWS),
               "groups": [PARAM[d] for d in DRAWS]}
    t0 = time.perf_counter()
    x = sobol_sample.sample(problem, n, calc_second_order=False, scramble=True, seed=1)
    x = np.clip(x, 1e-12, 1 - 1e-12)
    t1 = time.perf_counter()
    y = model(x)
    t2 = time.perf_counter()
    result = sobol_analyze.analyze(problem, y, calc_second_order=False, num_resamples=resamples, seed=1)
    t3 = time.perf_counter()
    return result, (t1 - t0, t2 - t1, t3 - t2), len(y)


def evppi(samples, inner, seed=1):
    """EVPI and, per param, EVPPI by the cross-fitted nested design of Crux."""
    rng = np.random.default_rng(seed)
    names = list(dict.fromkeys(PARAM[d] for d in DRAWS))
    u = rng.random((samples, len(DRAWS)))
    y = model(u)
    mean = y.mean()
    evpi = np.mean(np.maximum(y, 0)) - max(mean, 0)
    out = {}
    outer = samples // inner
    for name in names:
        cols = [i for i, d in enumerate(DRAWS) if PARAM[d] == name]
        u = rng.random((outer * inner, len(DRAWS)))
        u[:, cols] = np.repeat(rng.random((outer, len(cols))), inner, axis=0)
        f = model(u).reshape(outer, inner)
        loo = (f.sum(axis=1, keepdims=True) - f) / (inner - 1)
        z = np.where(loo > 0, f, 0).mean(axis=1)
        out[name] = max(np.mean(z - (f.mean() > 0) * f.mean(axis=1)), 0.0)
    return evpi, out


def main():
    n_sobol = int(sys.argv[1]) if len(sys.argv) > 1 else 2 ** 14
    n_voi = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    resamples = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
    result, (t_sample, t_eval, t_analyze), rows = sensitivity(n_sobol, resamples)
    total = t_sample + t_eval + t_analyze
    print(f"SALib sobol N={n_sobol} ({rows} runs, {resamples} resamples): sample {t_sample:.3f} s, "
          f"evaluate {t_eval:.3f} s, analyze {t_analyze:.3f} s, total {total:.3f} s")
    names = list(dict.fromkeys(PARAM[d] for d in DRAWS))
    order = np.argsort(-result["ST"])
    for i in order:
        print(f"  {names[i]:<18} S1 {result['S1'][i]:7.3f} ± {result['S1_conf'][i]:.3f}"
              f"   ST {result['ST'][i]:7.3f} ± {result['ST_conf'][i]:.3f}")
    t0 = time.perf_counter()
    evpi, values = evppi(n_voi, 64)
    t1 = time.perf_counter()
    print(f"numpy EVPI + EVPPI of 18 params, {n_voi} runs each: {t1 - t0:.3f} s; EVPI {evpi:.3f} bp")
    for name, value in sorted(values.items(), key=lambda item: -item[1])[:6]:
        print(f"  EVPPI {name:<18} {value:.3f}")


if __name__ == "__main__":
    main()
