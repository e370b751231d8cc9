"""Chapter 6's checks: each catalogued wrong answer is named, several right answers pass (one of
them in place), a stub is reported as not attempted, and the fallback is the teaching reference."""

import re
from collections import Counter

import numpy as np
import pytest
import torch
from scipy.optimize import minimize
from scipy.special import expit
from sklearn.linear_model import LogisticRegression

from utils.ch06.bundled_data import deduplicate
from utils.ch06.calibration import platt_scale
from utils.ch06 import checks_06a
from utils.ch06 import checks_06b
from utils.ch06 import checks_06c
from utils.ch06.fraud import cost_threshold, total_cost
from utils.ch06.knowledge_tracing import bkt_update
from utils.ch06.recommendation import precision_at_k
from utils.ch06.robustness import standardise_images


def stub(*args):
    raise NotImplementedError


def assert_named(result, kind, phrase):
    """A catalogued wrong answer fails, with the expected diagnosis and words a learner can act
    on."""
    assert result.status == "failed", result.message
    assert result.verdict.kind == kind, result.message
    assert phrase in result.message, result.message


# ---------------------------------------------------------------- Exercise 6.1: de-duplication


def dedup_with_a_dict(texts, labels):
    first, labels_of = {}, {}
    for row, (text, label) in enumerate(zip(texts, labels)):
        first.setdefault(text, row)
        labels_of.setdefault(text, set()).add(int(label))
    return [row for text, row in first.items() if len(labels_of[text]) == 1]


def dedup_with_numpy(texts, labels):
    texts = np.asarray(texts, dtype=object)
    labels = np.asarray(labels)
    _, first, inverse = np.unique(texts.astype(str), return_index=True, return_inverse=True)
    low = np.full(len(first), 9)
    high = np.full(len(first), -9)
    np.minimum.at(low, inverse, labels)
    np.maximum.at(high, inverse, labels)
    return np.sort(first[low == high])


def dedup_overwriting_the_labels_in_place(texts, labels):
    """Marks dropped rows in the caller's label array (allowed, noted) and returns a list."""
    counts = Counter(zip(texts, labels))
    by_text = Counter(text for text, _ in counts)
    seen = set()
    keep = []
    for row, text in enumerate(texts):
        if by_text[text] == 1 and text not in seen:
            keep.append(row)
        seen.add(text)
        labels[row] = -1 if row not in keep else labels[row]
    return keep


@pytest.mark.parametrize(
    "fn", [deduplicate, dedup_with_a_dict, dedup_with_numpy, dedup_overwriting_the_labels_in_place]
)
def test_right_deduplications_pass(fn):
    result = checks_06a.check_deduplicate(fn, strict=False)
    assert result.passed, result.message


DEDUP_CATALOGUE = [
    ("last occurrence", lambda t, y: checks_06a._keep_last(t, y), "last occurrence", "LAST copy"),
    (
        "conflicts kept",
        lambda t, y: checks_06a._keep_conflicts(t, y),
        "conflicts kept",
        "BOTH labels",
    ),
    (
        "singletons",
        lambda t, y: checks_06a._singletons_only(t, y),
        "singletons only",
        "first copy too",
    ),
    ("unsorted", lambda t, y: deduplicate(t, y)[::-1], "order", "sorted"),
    ("texts", lambda t, y: [t[i] for i in deduplicate(t, y)], "type", "texts themselves"),
    ("mask", lambda t, y: np.isin(np.arange(len(t)), deduplicate(t, y)), "type", "boolean mask"),
    ("one row lost", lambda t, y: deduplicate(t, y)[1:], "values", "rows missing"),
    ("nothing returned", lambda t, y: None, "none", "return"),
]


@pytest.mark.parametrize(
    "name, wrong, kind, phrase", DEDUP_CATALOGUE, ids=[c[0] for c in DEDUP_CATALOGUE]
)
def test_deduplicate_check_names_the_mistake(name, wrong, kind, phrase):
    assert_named(checks_06a.check_deduplicate(wrong, strict=False), kind, phrase)


def compared_after(normalise):
    """A learner's dictionary answer that normalises each text before using it as a key."""

    def dedup(texts, labels):
        first, labels_of = {}, {}
        for row, (text, label) in enumerate(zip(texts, labels)):
            key = normalise(text)
            first.setdefault(key, row)
            labels_of.setdefault(key, set()).add(int(label))
        return sorted(row for key, row in first.items() if len(labels_of[key]) == 1)

    return dedup


NORMALISED = [
    ("strip", str.strip),
    ("lower", str.lower),
    ("punctuation removed", lambda t: re.sub(r"[^\w]", "", t)),
    ("spaces removed", lambda t: t.replace(" ", "")),
    ("all three", lambda t: re.sub(r"\W+", "", t.strip().lower())),
]


@pytest.mark.parametrize(
    "normalise", [n for _, n in NORMALISED], ids=[name for name, _ in NORMALISED]
)
def test_deduplicate_check_names_normalised_comparison(normalise):
    result = checks_06a.check_deduplicate(compared_after(normalise), strict=False)
    assert_named(result, "normalised", "differ only in spaces, letter case or punctuation")
    assert "test case 3" in result.message


def test_exact_comparison_passes_the_near_duplicates():
    assert checks_06a.check_deduplicate(compared_after(lambda t: t), strict=False).passed


def test_deduplicate_stub_is_not_attempted_and_falls_back_to_the_reference():
    result = checks_06a.check_deduplicate(stub, strict=False)
    assert result.status == "not attempted" and result.reference is deduplicate


# ---------------------------------------------------------------- Exercise 6.2: per-image
# standardisation


def standardise_sample_std(x, eps=1e-3):
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    return (x - mean) / (x.std(dim=(1, 2, 3), keepdim=True) + eps)


def standardise_flattened_in_place(x, eps=1e-3):
    flat = x.view(len(x), -1)
    flat -= flat.mean(dim=1, keepdim=True)
    flat /= flat.pow(2).mean(dim=1, keepdim=True).sqrt() + eps
    return x


def standardise_with_numpy(x, eps=1e-3):
    a = x.numpy().astype(np.float64)
    mean = a.mean(axis=(1, 2, 3), keepdims=True)
    std = a.std(axis=(1, 2, 3), keepdims=True)
    return torch.from_numpy((a - mean) / (std + eps)).to(
        x.dtype
    )  # back to the input's dtype, for the float32 CNN


@pytest.mark.parametrize(
    "fn",
    [
        standardise_images,
        standardise_sample_std,
        standardise_flattened_in_place,
        standardise_with_numpy,
    ],
)
def test_right_standardisations_pass(fn):
    result = checks_06a.check_standardise_images(fn, strict=False)
    assert result.passed, result.message


def no_eps(x, eps=1e-3):
    return (x - x.mean(dim=(1, 2, 3), keepdim=True)) / x.std(dim=(1, 2, 3), keepdim=True)


STANDARDISE_CATALOGUE = [
    ("batch-wide", checks_06a._batch_wide, "batch-wide", "whole batch"),
    ("per row", checks_06a._per_row, "per row", "ROW of pixels"),
    ("centred only", checks_06a._centred_only, "centred only", "not scaled"),
    ("variance", checks_06a._by_variance, "variance", "variance"),
    ("eps in sqrt", checks_06a._eps_in_sqrt, "eps in sqrt", "outside the root"),
    ("min-max", checks_06a._min_max, "min-max", "min–max"),
    ("per channel", checks_06a._per_channel, "per channel", "CHANNEL"),
    ("no eps", no_eps, "nan", "blank image"),
    (
        "a NumPy array",
        lambda x, eps=1e-3: standardise_images(x, eps).numpy(),
        "type",
        "return a torch tensor",
    ),
    (
        "float64",
        lambda x, eps=1e-3: standardise_images(x.double(), eps),
        "dtype",
        "refuses a float64 input",
    ),
    ("nothing returned", lambda x, eps=1e-3: None, "none", "return"),
]


@pytest.mark.parametrize(
    "name, wrong, kind, phrase", STANDARDISE_CATALOGUE, ids=[c[0] for c in STANDARDISE_CATALOGUE]
)
def test_standardise_check_names_the_mistake(name, wrong, kind, phrase):
    assert_named(checks_06a.check_standardise_images(wrong, strict=False), kind, phrase)


def test_standardise_stub_is_not_attempted():
    result = checks_06a.check_standardise_images(stub, strict=False)
    assert result.status == "not attempted" and result.reference is standardise_images


# ---------------------------------------------------------------- Exercise 6.3: precision@k


def precision_with_a_loop(scores, seen, relevant, k):
    shares = []
    for s, already, liked in zip(scores, seen, relevant):
        candidates = [i for i in np.argsort(-s) if not already[i]][:k]
        shares.append(sum(liked[i] for i in candidates) / k)
    return sum(shares) / len(shares)


def precision_with_torch_topk_in_place(scores, seen, relevant, k):
    """Overwrites the caller's scores in place (allowed, noted) and uses torch.topk."""
    scores[seen] = -np.inf
    top = torch.topk(torch.from_numpy(scores), k, dim=1).indices.numpy()
    return np.take_along_axis(relevant, top, axis=1).mean()


def precision_in_float32(scores, seen, relevant, k):
    """float32 throughout: its mean differs from the float64 one by about 3e-8, relatively."""
    s = torch.tensor(scores, dtype=torch.float32).masked_fill(torch.tensor(seen), float("-inf"))
    top = s.topk(k, 1).indices
    return torch.tensor(relevant).gather(1, top).float().mean().item()


@pytest.mark.parametrize(
    "fn",
    [
        precision_at_k,
        precision_with_a_loop,
        precision_with_torch_topk_in_place,
        precision_in_float32,
    ],
)
def test_right_precisions_pass(fn):
    result = checks_06b.check_precision_at_k(fn, strict=False)
    assert result.passed, result.message


PRECISION_CATALOGUE = [
    (kind, fn, kind, message.split(".")[0][:30])
    for kind, fn, message in checks_06b.PRECISION_MISTAKES
]


@pytest.mark.parametrize(
    "name, wrong, kind, phrase", PRECISION_CATALOGUE, ids=[c[0] for c in PRECISION_CATALOGUE]
)
def test_precision_check_names_the_mistake(name, wrong, kind, phrase):
    assert_named(checks_06b.check_precision_at_k(wrong, strict=False), kind, phrase)


def test_precision_check_fails_one_wrong_item():
    """The tolerance (rtol 1e-6) still catches the smallest wrong answer: one item swapped in one
    user's top k."""

    def one_item_off(scores, seen, relevant, k):
        ranked = np.where(seen, -np.inf, scores)
        top = np.argsort(-ranked, axis=1)[:, :k]
        hits = np.take_along_axis(relevant, top, axis=1).sum(axis=1).astype(float)
        hits[0] += 1 if hits[0] < k else -1
        return float(np.mean(hits / k))

    result = checks_06b.check_precision_at_k(one_item_off, strict=False)
    assert result.status == "failed" and result.verdict.kind == "values", result.message


def test_precision_stub_and_none():
    assert checks_06b.check_precision_at_k(stub, strict=False).status == "not attempted"
    assert_named(checks_06b.check_precision_at_k(lambda *a: None, strict=False), "none", "return")


# ---------------------------------------------------------------- Exercise 6.4: the threshold
# chosen by cost


def threshold_by_brute_force(p, y, cost_false_alarm, cost_missed_fraud):
    candidates = np.r_[np.unique(p), np.inf]
    costs = [
        np.sum((p >= t) & (y == 0)) * cost_false_alarm
        + np.sum((p < t) & (y == 1)) * cost_missed_fraud
        for t in candidates
    ]
    return candidates[
        int(np.argmin(costs))
    ]  # the HIGHEST threshold of equal cost, unlike the reference


def threshold_midway(p, y, cost_false_alarm, cost_missed_fraud):
    """A threshold between two scores (any value in that gap flags the same rows), sorting p in
    place."""
    best = threshold_by_brute_force(p, y, cost_false_alarm, cost_missed_fraud)
    p.sort()
    below = p[p < best]
    return (best + below.max()) / 2 if below.size and np.isfinite(best) else best


@pytest.mark.parametrize("fn", [cost_threshold, threshold_by_brute_force, threshold_midway])
def test_right_thresholds_pass(fn):
    result = checks_06b.check_cost_threshold(fn, strict=False)
    assert result.passed, result.message


def threshold_strictly_above(p, y, cfa, cmf):
    candidates = np.r_[-np.inf, np.unique(p)]
    costs = [
        np.sum((p > t) & (y == 0)) * cfa + np.sum((p <= t) & (y == 1)) * cmf for t in candidates
    ]
    return candidates[int(np.argmin(costs))]


def threshold_among_scores_only(p, y, cfa, cmf):
    """Forgets the candidate np.inf, so it can never flag nothing."""
    candidates = np.unique(p)
    costs = [
        np.sum((p >= t) & (y == 0)) * cfa + np.sum((p < t) & (y == 1)) * cmf for t in candidates
    ]
    return candidates[int(np.argmin(costs))]


def missed_term_dropped(p, y, cfa, cmf):
    candidates = np.r_[np.unique(p), np.inf]
    costs = [np.sum((p >= t) & (y == 0)) * cfa for t in candidates]
    return candidates[int(np.argmin(costs))]


def missed_term_dropped_last_tie(p, y, cfa, cmf):
    """The same slip, keeping the highest of the tied thresholds (here np.inf: flag nothing)."""
    candidates = np.r_[np.unique(p), np.inf]
    costs = np.array([np.sum((p >= t) & (y == 0)) * cfa for t in candidates])
    return candidates[np.flatnonzero(costs == costs.min())[-1]]


def alarm_term_dropped(p, y, cfa, cmf):
    candidates = np.r_[np.unique(p), np.inf]
    costs = [np.sum((p < t) & (y == 1)) * cmf for t in candidates]
    return candidates[int(np.argmin(costs))]


COST_CATALOGUE = [
    ("np.inf missing", threshold_among_scores_only, "flag nothing", "np.inf"),
    (
        "missed-fraud term dropped",
        missed_term_dropped,
        "missed-fraud term missing",
        "cost_missed_fraud term is missing",
    ),
    (
        "missed-fraud term dropped, last tie",
        missed_term_dropped_last_tie,
        "missed-fraud term missing",
        "cost_missed_fraud term is missing",
    ),
    (
        "false-alarm term dropped",
        alarm_term_dropped,
        "false-alarm term missing",
        "cost_false_alarm term is missing",
    ),
    ("swapped costs", lambda p, y, a, m: cost_threshold(p, y, m, a), "swapped costs", "swapped"),
    (
        "accuracy",
        lambda p, y, a, m: cost_threshold(p, y, 1.0, 1.0),
        "accuracy",
        "NUMBER of mistakes",
    ),
    ("default 0.5", lambda p, y, a, m: 0.5, "default 0.5", "default threshold"),
    ("p > t rule", threshold_strictly_above, "rule", "p ≥ threshold"),
    (
        "cost returned",
        lambda p, y, a, m: total_cost(p, y, cost_threshold(p, y, a, m), a, m),
        "cost returned",
        "lowest cost",
    ),
    ("an array", lambda p, y, a, m: np.array([0.1, 0.2]), "type", "one number"),
    ("nothing returned", lambda p, y, a, m: None, "none", "return"),
]


@pytest.mark.parametrize(
    "name, wrong, kind, phrase", COST_CATALOGUE, ids=[c[0] for c in COST_CATALOGUE]
)
def test_cost_threshold_check_names_the_mistake(name, wrong, kind, phrase):
    assert_named(checks_06b.check_cost_threshold(wrong, strict=False), kind, phrase)


def test_cost_threshold_cases_include_one_where_flagging_nothing_is_cheapest():
    thresholds = []

    def recording(p, y, a, m):
        thresholds.append(threshold_by_brute_force(p, y, a, m))
        return thresholds[-1]

    assert checks_06b.check_cost_threshold(recording, strict=False).passed
    assert np.isinf(thresholds[-1]) and np.isfinite(thresholds[:-1]).all()


def test_cost_threshold_stub_is_not_attempted():
    result = checks_06b.check_cost_threshold(stub, strict=False)
    assert result.status == "not attempted" and result.reference is cost_threshold


# ---------------------------------------------------------------- Exercise 6.5: Platt scaling


def platt_with_scikit_learn_default(z_cal, y_cal, z_new):
    model = LogisticRegression().fit(
        np.reshape(z_cal, (-1, 1)), y_cal
    )  # C = 1: a little regularisation
    return model.predict_proba(np.reshape(z_new, (-1, 1)))[:, 1]


def platt_with_scipy_minimize(z_cal, y_cal, z_new):
    def loss(theta):
        q = expit(theta[0] * z_cal + theta[1])
        return -np.sum(y_cal * np.log(q + 1e-300) + (1 - y_cal) * np.log(1 - q + 1e-300))

    a, b = minimize(
        loss,
        [1.0, 0.0],
        method="Nelder-Mead",
        options={"xatol": 1e-8, "fatol": 1e-10, "maxiter": 4000},
    ).x
    return expit(a * z_new + b)


def platt_with_torch_lbfgs_float32(z_cal, y_cal, z_new):
    z = torch.tensor(z_cal, dtype=torch.float32)
    y = torch.tensor(y_cal, dtype=torch.float32)
    theta = torch.zeros(2, requires_grad=True)
    optimizer = torch.optim.LBFGS([theta], max_iter=200, line_search_fn="strong_wolfe")

    def closure():
        optimizer.zero_grad()
        loss = torch.nn.functional.binary_cross_entropy_with_logits(theta[0] * z + theta[1], y)
        loss.backward()
        return loss

    optimizer.step(closure)
    return torch.sigmoid(
        theta[0].detach() * torch.tensor(z_new, dtype=torch.float32) + theta[1].detach()
    )


@pytest.mark.parametrize(
    "fn",
    [
        platt_scale,
        platt_with_scikit_learn_default,
        platt_with_scipy_minimize,
        platt_with_torch_lbfgs_float32,
    ],
)
def test_right_platt_scalings_pass(fn):
    result = checks_06c.check_platt_scale(fn, strict=False)
    assert result.passed, result.message


PLATT_CATALOGUE = [
    (kind, fn, kind, message.split(".")[0][:25]) for kind, fn, message in checks_06c.PLATT_MISTAKES
]


@pytest.mark.parametrize(
    "name, wrong, kind, phrase", PLATT_CATALOGUE, ids=[c[0] for c in PLATT_CATALOGUE]
)
def test_platt_check_names_the_mistake(name, wrong, kind, phrase):
    assert_named(checks_06c.check_platt_scale(wrong, strict=False), kind, phrase)


def test_platt_stub_is_not_attempted():
    result = checks_06c.check_platt_scale(stub, strict=False)
    assert result.status == "not attempted" and result.reference is platt_scale


# ---------------------------------------------------------------- Exercise 6.6: the BKT update


def bkt_by_joint_probabilities(p_know, correct, slip, guess, learn):
    p_know = np.asarray(p_know, float)
    c = np.asarray(correct, float)
    likelihood_known = c * (1 - slip) + (1 - c) * slip
    likelihood_unknown = c * guess + (1 - c) * (1 - guess)
    posterior = (
        p_know * likelihood_known / (p_know * likelihood_known + (1 - p_know) * likelihood_unknown)
    )
    return 1 - (1 - posterior) * (1 - learn)


def bkt_in_float32(p_know, correct, slip, guess, learn):
    p, c = np.float32(p_know), np.asarray(correct).astype(np.float32)
    s, g, l = np.float32(slip), np.float32(guess), np.float32(learn)
    known = p * (c * (1 - s) + (1 - c) * s)
    unknown = (1 - p) * (c * g + (1 - c) * (1 - g))
    posterior = known / (known + unknown)
    return posterior + (1 - posterior) * l


def bkt_in_place(p_know, correct, slip, guess, learn):
    """Writes into the caller's array (allowed, noted), one branch at a time."""
    p = np.asarray(p_know, float)
    right = np.asarray(correct).astype(bool)
    out = p if isinstance(p_know, np.ndarray) else p.copy()
    known_right = p * (1 - slip)
    known_wrong = p * slip
    out_right = known_right / (known_right + (1 - p) * guess)
    out_wrong = known_wrong / (known_wrong + (1 - p) * (1 - guess))
    out[...] = np.where(right, out_right, out_wrong)
    out += (1 - out) * learn
    return out


@pytest.mark.parametrize(
    "fn", [bkt_update, bkt_by_joint_probabilities, bkt_in_float32, bkt_in_place]
)
def test_right_bkt_updates_pass(fn):
    result = checks_06c.check_bkt_update(fn, strict=False)
    assert result.passed, result.message


BKT_CATALOGUE = [
    (kind, fn, kind, message.split(".")[0][:25]) for kind, fn, message in checks_06c.BKT_MISTAKES
]


@pytest.mark.parametrize(
    "name, wrong, kind, phrase", BKT_CATALOGUE, ids=[c[0] for c in BKT_CATALOGUE]
)
def test_bkt_check_names_the_mistake(name, wrong, kind, phrase):
    assert_named(checks_06c.check_bkt_update(wrong, strict=False), kind, phrase)


def test_bkt_stub_is_not_attempted():
    result = checks_06c.check_bkt_update(stub, strict=False)
    assert result.status == "not attempted" and result.reference is bkt_update
