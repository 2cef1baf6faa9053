# Reference beta quantiles by mpmath at 40 digits: bisection-secant (Illinois)
# on ln y, where y is x or 1 - x (whichever is at most 1/2), on the log of
# whichever tail probability is at most 1/2.
import mpmath as mp, sys
mp.mp.dps = 40
shapes = ["0.001", "0.01", "0.1", "0.5", "0.9", "1", "1.5", "2", "5", "10", "100", "1000"]
us = ["1e-300", "1e-100", "1e-12", "1e-6", "0.001", "0.01", "0.1", "0.3", "0.5", "0.7", "0.9", "0.99", "0.999", "1-1e-6", "1-1e-12"]
def solve(A, B, P, Q):
    # y in (0, 1/2] with I_y(A, B) = P (= 1 - Q)
    if P <= 0.5:
        g = lambda s: mp.log(mp.betainc(A, B, 0, mp.e**s, regularized=True)) - mp.log(P)
    else:
        def g(s):
            # 1 - I_y, with enough digits that the difference keeps 40 of them
            with mp.workdps(400):
                upper = 1 - mp.betainc(A, B, 0, mp.e**s, regularized=True)
            return mp.log(Q) - mp.log(upper)
    lo, hi = mp.mpf(-2e6), mp.log(mp.mpf(0.5))
    flo, fhi = g(lo), g(hi)
    assert flo < 0 <= fhi, (A, B, P, flo, fhi)
    side = 0
    for _ in range(1000):
        s = (lo * fhi - hi * flo) / (fhi - flo)
        if not (lo < s < hi): s = (lo + hi) / 2
        fs = g(s)
        if fs == 0: return s
        if fs < 0:
            lo, flo = s, fs
            if side == -1: fhi /= 2
            side = -1
        else:
            hi, fhi = s, fs
            if side == 1: flo /= 2
            side = 1
        if hi - lo < mp.mpf(10)**-30 * max(1, abs(s)): break
    return (lo + hi) / 2
out = open(sys.argv[1], "w")
print("# a b u x: x = the beta(a, b) quantile at u, by mpmath at 40 digits (tests/data/beta_quantiles.py)", file=out)
for a in shapes:
    for b in shapes:
        A, B = mp.mpf(a), mp.mpf(b)
        half = mp.betainc(A, B, 0, mp.mpf(0.5), regularized=True)
        for us_ in us:
            uf = float(mp.mpf(1) - mp.mpf(us_[2:])) if us_.startswith("1-") else float(mp.mpf(us_))
            U = mp.mpf(uf)
            if U <= half:
                x = mp.e**solve(A, B, U, 1 - U)
            else:
                x = 1 - mp.e**solve(B, A, 1 - U, U)
            print(a, b, repr(uf), repr(float(x)), file=out, flush=True)
