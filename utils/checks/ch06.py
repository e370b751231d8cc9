"""Answer checks for chapter 6, one exercise per application area: de-duplication before a split (6.1), per-image
standardisation (6.2), precision@k (6.3), the cost-minimising threshold (6.4), Platt scaling (6.5) and the
Bayesian knowledge-tracing update (6.6). Each expected answer carries the catalogued wrong answers, so a wrong
answer that matches one is named in words."""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch
from scipy.special import expit

from utils.bundled_data import chinese_reviews, deduplicate, faces_and_non_faces
from utils.calibration import platt_fit, platt_scale
from utils.checks.diagnose import Verdict, compare_arrays, returned_none, to_numpy
from utils.checks.mistakes import naming_mistakes, with_mistakes
from utils.checks.runner import Case, CheckResult, check_function
from utils.fraud import cost_threshold, total_cost
from utils.knowledge_tracing import bkt_update
from utils.recommendation import precision_at_k
from utils.robustness import STANDARDISE_EPS, standardise_images


def _falling_back_to(result: CheckResult, reference: Callable) -> CheckResult:
    """The result, with `reference` as what `choose_implementation` falls back to (not the expected-answer builder)."""
    return dataclasses.replace(result, reference=reference)


# ---------------------------------------------------------------- Exercise 6.1: de-duplication


def _keep_last(texts, labels):
    labels = np.asarray(labels)
    last = {text: row for row, text in enumerate(texts)}
    both = {t for t in last if len(set(labels[[i for i, s in enumerate(texts) if s == t]].tolist())) > 1}
    return np.array(sorted(row for text, row in last.items() if text not in both), dtype=np.int64)


def _keep_conflicts(texts, labels):
    first: dict = {}
    for row, text in enumerate(texts):
        first.setdefault(text, row)
    return np.array(sorted(first.values()), dtype=np.int64)


def _singletons_only(texts, labels):
    counts = Counter(texts)
    return np.array([row for row, text in enumerate(texts) if counts[text] == 1], dtype=np.int64)


def _compared_as(normalise: Callable[[str], str]) -> Callable:
    """`deduplicate` with texts compared after `normalise` (the first row of each normalised text kept)."""

    def deduplicate_normalised(texts, labels):
        return deduplicate([normalise(text) for text in texts], labels)

    return deduplicate_normalised


NORMALISED_MESSAGE = (
    "You treated texts that differ only in spaces, letter case or punctuation as one text. The exercise compares "
    "texts exactly: use each text itself, unchanged, as the dictionary key (no strip(), lower() or re.sub())."
)
NORMALISATIONS = (
    str.strip, str.lower, str.casefold, lambda t: t.strip().lower(), lambda t: re.sub(r"\s+", "", t),
    lambda t: re.sub(r"[^\w]", "", t), lambda t: re.sub(r"[^\w]", "", t).lower(), lambda t: re.sub(r"[^\w\s]", "", t).strip(),
)

DEDUPLICATE_MISTAKES = (
    *(("normalised", _compared_as(normalise), NORMALISED_MESSAGE) for normalise in NORMALISATIONS),
    ("last occurrence", _keep_last,
     "You kept the LAST copy of each text. Keep the first: the row where the text appears for the first time."),
    ("conflicts kept", _keep_conflicts,
     "You kept one copy of texts that appear with BOTH labels. Such a text's label is unknowable: drop every copy of it."),
    ("singletons only", _singletons_only,
     "You dropped every text that has a duplicate, the first copy too. Keep one copy (the first) of each repeated text."),
)


def compare_kept_rows(got, expected, *, batch_size=None, rtol=None, atol=None) -> Verdict:
    """Sorted integer row indices compared exactly; texts, masks and unsorted indices are named."""
    if got is None:
        return returned_none()
    array = np.asarray(got)
    if array.dtype.kind in "UO" or (len(array) and isinstance(array.flat[0], str)):
        return Verdict(False, "type", "You returned the texts themselves. Return their row indices (integers) instead.")
    if array.dtype == bool:
        return Verdict(False, "type", "You returned a boolean mask. Return the row indices instead (np.flatnonzero(mask)).")
    if array.ndim != 1 or (array.size and array.dtype.kind not in "iu"):
        return Verdict(False, "type", f"Return a 1-D array (or list) of integer row indices; yours has dtype {array.dtype} and shape {array.shape}.")
    expected = np.asarray(expected)
    if np.array_equal(array, expected):
        return Verdict(True, "ok", "the same rows", 0.0)
    if np.array_equal(np.sort(array), expected):
        return Verdict(False, "order", "The right rows, in another order. Return them sorted (np.sort), in the order of the file.")
    extra, missing = np.setdiff1d(array, expected), np.setdiff1d(expected, array)
    detail = []
    if extra.size:
        detail.append(f"{extra.size} rows kept that should go (for example row {extra[0]})")
    if missing.size:
        detail.append(f"{missing.size} rows missing (for example row {missing[0]})")
    if not detail:
        detail.append("some rows are listed twice")
    return Verdict(False, "values", f"You keep {len(array)} rows, expected {len(expected)}: " + "; ".join(detail) + ".")


# Texts that differ only in a space, letter case or punctuation are different texts: exact comparison keeps one
# copy of each (row 9 repeats row 0 exactly), while stripping, lower-casing or removing punctuation merges some of
# them, and merged texts with two labels are then dropped.
NEAR_DUPLICATES = ("好评", "好评 ", "Great", "great", "好评!", "差评", "差评。", " 差评", "GREAT", "好评")
NEAR_DUPLICATE_LABELS = (1, 0, 1, 0, 1, 0, 0, 0, 1, 1)


def check_deduplicate(learner_fn: Callable, *, strict: bool | None = None) -> CheckResult:
    """Exercise 6.1: five lists of texts (two by hand, near-duplicates, one random, one from the review corpus)
    against `deduplicate`, compared exactly."""
    rng = np.random.default_rng(61)
    pool = [f"评论{k}" for k in range(40)]
    random_texts = [pool[k] for k in rng.integers(0, 40, 150)]
    random_labels = np.array([int(t[-1]) % 2 if rng.random() > 0.05 else 1 - int(t[-1]) % 2 for t in random_texts])
    reviews, review_labels = chinese_reviews()
    rows = np.sort(rng.choice(len(reviews), 600, replace=False))
    rows = np.r_[rows, rows[:40]]  # some rows twice, as the corpus has them
    cases = [
        Case((["好", "差", "好", "一般", "差", "好"], np.array([1, 0, 1, 1, 0, 1])), "6 texts, repeats with the same label"),
        Case((["A", "B", "A", "C", "B"], np.array([1, 0, 0, 1, 0])), "5 texts, 'A' appears with both labels"),
        Case((list(NEAR_DUPLICATES), np.array(NEAR_DUPLICATE_LABELS)),
             "10 texts, several differing only in spaces, letter case or punctuation"),
        Case((random_texts, random_labels), "150 texts drawn from 40, a few with both labels"),
        Case(([reviews[i] for i in rows], review_labels[rows]), "640 lines of the review corpus"),
    ]
    result = check_function("Exercise 6.1 (de-duplicate before splitting)", learner_fn,
                            with_mistakes(deduplicate, DEDUPLICATE_MISTAKES), cases,
                            compare=naming_mistakes(compare_kept_rows), strict=strict)
    return _falling_back_to(result, deduplicate)


# ---------------------------------------------------------------- Exercise 6.2: per-image standardisation


def _stats(x, dims=(1, 2, 3)):
    return x.mean(dim=dims, keepdim=True), x.std(dim=dims, keepdim=True, correction=0)


def _batch_wide(x):
    return (x - x.mean()) / (x.std(correction=0) + STANDARDISE_EPS)


def _per_row(x):
    mean, std = _stats(x, dims=(-1,))
    return (x - mean) / (std + STANDARDISE_EPS)


def _per_channel(x):
    mean, std = _stats(x, dims=(2, 3))
    return (x - mean) / (std + STANDARDISE_EPS)


def _centred_only(x):
    return x - _stats(x)[0]


def _by_variance(x):
    mean, std = _stats(x)
    return (x - mean) / (std**2 + STANDARDISE_EPS)


def _eps_in_sqrt(x):
    mean, std = _stats(x)
    return (x - mean) / torch.sqrt(std**2 + STANDARDISE_EPS)


def _min_max(x):
    low, high = x.amin(dim=(1, 2, 3), keepdim=True), x.amax(dim=(1, 2, 3), keepdim=True)
    return (x - low) / (high - low + STANDARDISE_EPS)


STANDARDISE_MISTAKES = (
    ("batch-wide", _batch_wide,
     "You used ONE mean and std for the whole batch. Each image needs its own: reduce over dim=(1, 2, 3) "
     "(channels, height, width) with keepdim=True, not over the batch axis."),
    ("per channel", _per_channel,
     "You standardised each CHANNEL of an image separately (dim=(2, 3)). Use one mean and one std per image, over "
     "all its channels, rows and columns: dim=(1, 2, 3)."),
    ("per row", _per_row,
     "You standardised each ROW of pixels (the last axis only). Reduce over all of an image's pixels: dim=(1, 2, 3)."),
    ("centred only", _centred_only, "The images are centred but not scaled: divide by (std + eps) as well."),
    ("variance", _by_variance, "You divided by the variance (std²). Divide by the standard deviation + eps."),
    ("eps in sqrt", _eps_in_sqrt, "You divided by sqrt(var + eps). The exercise asks for (std + eps), eps outside the root."),
    ("min-max", _min_max, "That is min–max scaling to [0, 1]. Subtract each image's MEAN and divide by its STANDARD DEVIATION + eps."),
)


def compare_standardised(got, expected, *, batch_size=None, rtol=1e-5, atol=1e-8) -> Verdict:
    """compare_arrays for a torch tensor of the input's dtype, with a word on the blank image when the answer holds
    NaN or inf. The result feeds `face_cnn(standardise=…)`, whose float32 layers take only a float32 tensor."""
    if got is not None and not isinstance(got, torch.Tensor):
        return Verdict(False, "type", (
            f"You returned a {type(got).__name__}; return a torch tensor. The function becomes the first layer of "
            "face_cnn(standardise=…), and the convolution after it takes only tensors. Compute with torch operations "
            "(x.mean(dim=..., keepdim=True), x.std(...)) or convert back with torch.from_numpy(...)."))
    if isinstance(got, torch.Tensor) and isinstance(expected, torch.Tensor) and got.dtype != expected.dtype:
        return Verdict(False, "dtype", (
            f"Your tensor is {got.dtype}, the input was {expected.dtype}. Return the input's dtype (here float32): "
            "the convolution after this layer has float32 weights and refuses a float64 input. "
            "Compute with torch on x itself, or convert back with .to(x.dtype)."))
    verdict = compare_arrays(got, expected, batch_size=batch_size, rtol=rtol, atol=atol)
    if verdict.kind == "nan":
        return Verdict(False, "nan", verdict.message + (
            " A blank image (all pixels equal) has standard deviation 0, so (x − mean) / std is 0 / 0. "
            "Divide by (std + eps), with the eps passed in."))
    return verdict


def check_standardise_images(learner_fn: Callable, *, strict: bool | None = None) -> CheckResult:
    """Exercise 6.2: real faces, a batch with a blank image, dimmed faces and 3-channel images, to rtol 2e-3
    (so that the population and the sample standard deviation both pass)."""
    generator = torch.Generator().manual_seed(62)
    faces = torch.from_numpy(faces_and_non_faces()[0])
    with_blank = torch.rand(4, 1, 25, 25, generator=generator)
    with_blank[2] = 0.3
    cases = [
        Case((with_blank,), "4 random images (4 × 1 × 25 × 25), the third one blank (all pixels 0.3)"),
        Case((faces[[0, 1, 150, 199]].clone(),), "4 images of the faces data"),
        Case((faces[95:105] * 0.3,), "10 dimmed images (pixels × 0.3)"),
        Case((torch.rand(3, 3, 16, 16, generator=generator) * 5 + 2,), "3 colour images (3 × 3 × 16 × 16) in [2, 7]"),
    ]
    result = check_function("Exercise 6.2 (per-image standardisation)", learner_fn,
                            with_mistakes(standardise_images, STANDARDISE_MISTAKES), cases,
                            compare=naming_mistakes(compare_standardised), rtol=2e-3, atol=1e-4, strict=strict)
    return _falling_back_to(result, standardise_images)


# ---------------------------------------------------------------- Exercise 6.3: precision@k


def _top_k(scores, k, exclude=None, ascending=False):
    ranked = np.where(exclude, -np.inf, scores) if exclude is not None else np.asarray(scores, dtype=np.float64)
    if ascending:
        ranked = np.where(exclude, np.inf, scores) if exclude is not None else ranked
        return np.argsort(ranked, axis=1, kind="stable")[:, :k]
    return np.argsort(-ranked, axis=1, kind="stable")[:, :k]


def _hits(relevant, top):
    return np.take_along_axis(np.asarray(relevant, bool), top, axis=1).sum(axis=1)


PRECISION_MISTAKES = (
    ("seen items ranked", lambda s, seen, rel, k: float(np.mean(_hits(rel, _top_k(s, k)) / k)),
     "Items the user has already rated are in your top k. Rank only unseen items: set their scores to −inf first "
     "(np.where(seen, -np.inf, scores)). An item the user already has is no recommendation, and counting it inflates the score."),
    ("recall", lambda s, seen, rel, k: float(np.mean(_hits(rel, _top_k(s, k, seen)) / np.maximum(np.asarray(rel).sum(1), 1))),
     "You divided the hits by the number of relevant items: that is recall@k. Precision@k divides by k."),
    ("lowest scores", lambda s, seen, rel, k: float(np.mean(_hits(rel, _top_k(s, k, seen, ascending=True)) / k)),
     "Your top k are the k LOWEST scores. Sort in decreasing order (np.argsort(-scores, axis=1))."),
    ("summed over users", lambda s, seen, rel, k: float(np.sum(_hits(rel, _top_k(s, k, seen)) / k)),
     "You summed the users' precisions. Average them over the users (np.mean)."),
    ("hits not divided", lambda s, seen, rel, k: float(np.mean(_hits(rel, _top_k(s, k, seen)))),
     "You returned the mean NUMBER of hits in the top k. Divide it by k to get a share."),
)


def _ranking_case(rng, n_users, n_items, k, seen_share=0.3, relevant_share=0.25):
    scores = rng.normal(size=(n_users, n_items))
    seen = rng.random((n_users, n_items)) < seen_share
    # relevant items are more likely where the score is high, so a right ranking scores above chance
    relevant = (rng.random((n_users, n_items)) < relevant_share * 2 * expit(2 * scores)) & ~seen
    seen[:, : k] = False  # every user keeps at least k unseen items
    return scores, seen, relevant, k


def check_precision_at_k(learner_fn: Callable, *, strict: bool | None = None) -> CheckResult:
    """Exercise 6.3: three seeded rankings (continuous scores, so no ties) against `precision_at_k`, to rtol 1e-6:
    float32 arithmetic passes, while one wrong item in one user's top k moves the answer by 1/(k · users) ≥ 1/200."""
    rng = np.random.default_rng(63)
    cases = [
        Case(_ranking_case(rng, 5, 12, 3), "5 users, 12 items, k = 3"),
        Case(_ranking_case(rng, 40, 60, 5, seen_share=0.6), "40 users, 60 items, most of them seen, k = 5"),
        Case(_ranking_case(rng, 8, 30, 10), "8 users, 30 items, k = 10"),
    ]
    result = check_function("Exercise 6.3 (precision@k)", learner_fn, with_mistakes(precision_at_k, PRECISION_MISTAKES),
                            cases, compare=naming_mistakes(compare_arrays), rtol=1e-6, atol=1e-9, strict=strict)
    return _falling_back_to(result, precision_at_k)


# ---------------------------------------------------------------- Exercise 6.4: the threshold chosen by cost


@dataclass(frozen=True)
class CostExpected:
    """What a threshold is judged on: the scores, labels and costs, the lowest cost, and catalogued thresholds."""

    p: np.ndarray
    y: np.ndarray
    cost_false_alarm: float
    cost_missed_fraud: float
    best_cost: float
    mistakes: tuple  # (kind, threshold, message)


MISSED_TERM_MESSAGE = (
    "Your threshold raises no false alarm at all, as if a missed fraud cost nothing: the cost_missed_fraud term is "
    "missing from your total. Total cost = false alarms × cost_false_alarm + missed frauds × cost_missed_fraud.")
ALARM_TERM_MESSAGE = (
    "Your threshold flags every transaction, as if a false alarm cost nothing: the cost_false_alarm term is missing "
    "from your total. Total cost = false alarms × cost_false_alarm + missed frauds × cost_missed_fraud.")
FLAG_NOTHING_MESSAGE = (
    "Here flagging nothing is cheapest: every threshold among the scores flags at least one transaction, and "
    "costs more. Add a candidate above every score, np.inf, as the statement says (np.r_[np.unique(p), np.inf]).")


def expected_cost_threshold(p, y, cost_false_alarm, cost_missed_fraud) -> CostExpected:
    """The lowest achievable cost on (p, y) and the thresholds of catalogued mistakes."""
    best = cost_threshold(p, y, cost_false_alarm, cost_missed_fraud)
    mistakes = (
        ("missed-fraud term missing", cost_threshold(p, y, cost_false_alarm, 0.0), MISSED_TERM_MESSAGE),
        ("false-alarm term missing", cost_threshold(p, y, 0.0, cost_missed_fraud), ALARM_TERM_MESSAGE),
        ("swapped costs", cost_threshold(p, y, cost_missed_fraud, cost_false_alarm),
         "Your threshold minimises the cost with the two costs swapped: a false alarm costs cost_false_alarm, "
         "a missed fraud (a fraud not flagged) costs cost_missed_fraud."),
        ("accuracy", cost_threshold(p, y, 1.0, 1.0),
         "Your threshold minimises the NUMBER of mistakes (best accuracy), as if both kinds cost the same. "
         "Weigh each false alarm by cost_false_alarm and each missed fraud by cost_missed_fraud."),
        ("default 0.5", 0.5, "0.5 is the default threshold, not the cheapest one. Try every distinct score as a "
         "threshold (and one above them all, to flag nothing) and keep the one with the lowest total cost."),
    )
    return CostExpected(np.asarray(p, float), np.asarray(y), float(cost_false_alarm), float(cost_missed_fraud),
                        total_cost(p, y, best, cost_false_alarm, cost_missed_fraud), mistakes)


def compare_cost_threshold(got, expected: CostExpected, *, batch_size=None, rtol=None, atol=None) -> Verdict:
    """A threshold passes when flagging p ≥ threshold costs as little as the best threshold does."""
    if got is None:
        return returned_none()
    try:
        threshold = float(np.asarray(to_numpy(got)).reshape(()))
    except (TypeError, ValueError):
        return Verdict(False, "type", f"Return one number, the threshold; yours is {type(got).__name__} {np.shape(got)}.")
    if np.isnan(threshold):
        return Verdict(False, "nan", "Your threshold is NaN.")
    p, fraud = expected.p, expected.y.astype(bool)
    costs = (p, fraud, threshold, expected.cost_false_alarm, expected.cost_missed_fraud)
    cost = total_cost(*costs)
    if np.isclose(cost, expected.best_cost, rtol=1e-12, atol=1e-9):
        return Verdict(True, "ok", f"cost {cost:g}, the lowest possible", 0.0)
    lowest = f" (Your cost {cost:g}, the lowest {expected.best_cost:g}.)"
    if np.isclose(threshold, expected.best_cost) and threshold > 1:
        return Verdict(False, "cost returned", f"You returned the lowest cost ({threshold:g}), not the threshold that achieves it.")
    nothing_cost = float(fraud.sum() * expected.cost_missed_fraud)
    if np.isclose(nothing_cost, expected.best_cost) and np.any(p >= threshold):
        return Verdict(False, "flag nothing", FLAG_NOTHING_MESSAGE + lowest)
    strictly_above = float(np.sum((p > threshold) & ~fraud) * expected.cost_false_alarm
                           + np.sum((p <= threshold) & fraud) * expected.cost_missed_fraud)
    if np.isclose(strictly_above, expected.best_cost):
        return Verdict(False, "rule", (
            "Your threshold would be right if rows were flagged where p > threshold, but the rule is p ≥ threshold: "
            "the rows whose score equals your threshold are flagged too. Return the lowest score you flag."))
    for kind, wrong, message in expected.mistakes:
        wrong_cost = total_cost(p, fraud, wrong, expected.cost_false_alarm, expected.cost_missed_fraud)
        if not np.isclose(wrong_cost, expected.best_cost) and np.isclose(cost, wrong_cost):
            return Verdict(False, kind, message + lowest)
    flagged = p >= threshold
    if not np.any(flagged & ~fraud):  # no false alarm, at a price: the missed frauds were not counted
        return Verdict(False, "missed-fraud term missing", MISSED_TERM_MESSAGE + lowest)
    if np.all(flagged):
        return Verdict(False, "false-alarm term missing", ALARM_TERM_MESSAGE + lowest)
    return Verdict(False, "values", (
        f"Flagging p ≥ {threshold:.4g} costs {cost:g}, but the lowest possible cost is {expected.best_cost:g}. "
        "Total cost = false alarms × cost_false_alarm + missed frauds × cost_missed_fraud; try every distinct score."))


def _fraud_scores(rng, n, rate, ties=False, separation=3.0):
    """Scores p and labels y: frauds' logits are `separation` higher on average (3: a good model, 1: a weak one)."""
    y = (rng.random(n) < rate).astype(int)
    y[:2] = 1  # at least two frauds
    p = expit(rng.normal(-4.0 + separation * y, 1.2))
    return (np.round(p, 2) if ties else p), y


def check_cost_threshold(learner_fn: Callable, *, strict: bool | None = None) -> CheckResult:
    """Exercise 6.4: six scored sets; a threshold passes when its total cost is the lowest possible. The first tells
    the usual slips apart (each gives another cost); in the last, flagging nothing is cheapest."""
    rng = np.random.default_rng(64)
    good = [Case((*_fraud_scores(rng, 400, 0.03), 5.0, 200.0), "400 transactions, 3% fraud, alarm €5, missed fraud €200"),
            Case((*_fraud_scores(rng, 1000, 0.01), 20.0, 100.0), "1000 transactions, 1% fraud, alarm €20, missed fraud €100"),
            Case((*_fraud_scores(rng, 300, 0.05, ties=True), 5.0, 200.0), "300 transactions, scores rounded to 2 decimals (ties)"),
            Case((*_fraud_scores(rng, 500, 0.02), 1.0, 1.0), "500 transactions, both mistakes cost the same")]
    telling_apart = Case((*_fraud_scores(rng, 300, 0.08), 10.0, 40.0), "300 transactions, 8% fraud, alarm €10, missed fraud €40")
    nothing = Case((*_fraud_scores(rng, 300, 0.03, separation=1.0), 50.0, 10.0),
                   "300 transactions scored by a weak model, alarm €50, missed fraud €10: flagging nothing is cheapest")
    cases = [telling_apart, *good, nothing]
    result = check_function("Exercise 6.4 (threshold chosen by cost)", learner_fn, expected_cost_threshold, cases,
                            compare=compare_cost_threshold, strict=strict, answer_keys=(cost_threshold,))
    return _falling_back_to(result, cost_threshold)


# ---------------------------------------------------------------- Exercise 6.5: Platt scaling


def _fit_one(z, y, fixed_a=None, fixed_b=None):
    """Maximum likelihood for p = σ(a·z + b) with a or b held fixed (a grid, then Newton-free golden refinement)."""
    from scipy.optimize import minimize_scalar

    z, y = np.asarray(z, float), np.asarray(y, float)

    def loss(v):
        a, b = (v, fixed_b) if fixed_a is None else (fixed_a, v)
        q = np.clip(expit(a * z + b), 1e-15, 1 - 1e-15)
        return -np.mean(y * np.log(q) + (1 - y) * np.log(1 - q))

    v = minimize_scalar(loss, bounds=(-20, 20), method="bounded", options={"xatol": 1e-10}).x
    return (v, fixed_b) if fixed_a is None else (fixed_a, v)


PLATT_MISTAKES = (
    ("logits returned", lambda zc, yc, zn: (lambda a, b: a * np.asarray(zn) + b)(*platt_fit(zc, yc)),
     "You returned a·z + b, the calibrated LOGIT. Return probabilities: σ(a·z + b) (scipy.special.expit)."),
    ("not fitted", lambda zc, yc, zn: expit(np.asarray(zn, float)),
     "These are the model's own probabilities σ(z_new), unchanged. Fit a and b on (z_calibration, y_calibration) first."),
    ("temperature only", lambda zc, yc, zn: (lambda a, b: expit(a * np.asarray(zn) + b))(*_fit_one(zc, yc, fixed_b=0.0)),
     "You fitted only the slope a (b = 0). Platt scaling fits both a and b: σ(a·z + b)."),
    ("shift only", lambda zc, yc, zn: (lambda a, b: expit(a * np.asarray(zn) + b))(*_fit_one(zc, yc, fixed_a=1.0)),
     "You fitted only the intercept b (a = 1). Platt scaling fits both a and b: σ(a·z + b)."),
    ("fitted on probabilities", lambda zc, yc, zn: (lambda a, b: expit(a * expit(np.asarray(zn)) + b))(*platt_fit(expit(zc), yc)),
     "You fitted σ(a·p + b) on probabilities p = σ(z). Platt scaling fits on the LOGIT z itself: σ(a·z + b)."),
)


def _scores_and_labels(rng, n, a_true, b_true):
    z = rng.normal(0.0, 2.0, n)
    return z, (rng.random(n) < expit(a_true * z + b_true)).astype(int)


def check_platt_scale(learner_fn: Callable, *, strict: bool | None = None) -> CheckResult:
    """Exercise 6.5: three calibration sets (over-confident, shifted, under-confident) against the maximum-likelihood
    fit, to 2e-3 in probability (a fit by another solver, or with scikit-learn's default C = 1, passes)."""
    rng = np.random.default_rng(65)
    cases = []
    for n, a_true, b_true, label in [(3000, 0.5, -1.0, "an over-confident model, 3000 rows"),
                                     (2000, 1.0, -2.0, "a model whose risks are all too high, 2000 rows"),
                                     (3000, 2.0, 0.5, "an under-confident model, 3000 rows")]:
        z, y = _scores_and_labels(rng, n, a_true, b_true)
        cases.append(Case((z, y, np.linspace(-6, 6, 25)), f"{label}; 25 new logits from −6 to 6"))
    result = check_function("Exercise 6.5 (Platt scaling)", learner_fn, with_mistakes(platt_scale, PLATT_MISTAKES), cases,
                            compare=naming_mistakes(compare_arrays), rtol=0.0, atol=2e-3, strict=strict,
                            answer_keys=(platt_fit,))
    return _falling_back_to(result, platt_scale)


# ---------------------------------------------------------------- Exercise 6.6: the BKT update


def _posterior(p, c, slip, guess):
    p = np.asarray(p, float)
    right = p * (1 - slip) / (p * (1 - slip) + (1 - p) * guess)
    wrong = p * slip / (p * slip + (1 - p) * (1 - guess))
    return np.where(np.asarray(c).astype(bool), right, wrong)


BKT_MISTAKES = (
    ("no learning", lambda p, c, s, g, l: _posterior(p, c, s, g),
     "You returned the posterior P(known | answer) and stopped there. Then add the chance to learn from the attempt: "
     "posterior + (1 − posterior)·learn."),
    ("learning first", lambda p, c, s, g, l: _posterior(np.asarray(p) + (1 - np.asarray(p)) * l, c, s, g),
     "You applied the learning step BEFORE Bayes' rule. The answer was given with the knowledge the learner had "
     "before it: first condition on the answer, then add the chance to learn."),
    ("slip and guess swapped", lambda p, c, s, g, l: (lambda q: q + (1 - q) * l)(_posterior(p, c, g, s)),
     "Slip and guess are swapped. A learner who KNOWS the skill answers right with 1 − slip; one who does not "
     "answers right with probability guess."),
    ("answer ignored", lambda p, c, s, g, l: (lambda q: q + (1 - q) * l)(_posterior(p, np.ones_like(np.asarray(c)), s, g)),
     "Your update treats every answer as right. A wrong answer needs the other posterior: "
     "P(known)·slip / (P(known)·slip + (1 − P(known))·(1 − guess))."),
    ("learn added", lambda p, c, s, g, l: _posterior(p, c, s, g) + l,
     "You added learn to the posterior. Only a learner who does not know the skill yet can learn it: "
     "posterior + (1 − posterior)·learn."),
    ("prediction", lambda p, c, s, g, l: np.asarray(p) * (1 - s) + (1 - np.asarray(p)) * g,
     "You returned P(right answer), the prediction before the answer. Return P(known) at the next attempt."),
)


def check_bkt_update(learner_fn: Callable, *, strict: bool | None = None) -> CheckResult:
    """Exercise 6.6: one learner, then arrays of learners with scalar and per-element parameters, to rtol 1e-6
    (float32 arithmetic passes)."""
    rng = np.random.default_rng(66)
    n = 50
    cases = [
        Case((0.3, 1, 0.1, 0.2, 0.15), "one learner, P(known) 0.3, a right answer"),
        Case((rng.uniform(0.01, 0.99, n), rng.integers(0, 2, n), 0.1, 0.25, 0.2), f"{n} learners, answers mixed, one set of parameters"),
        Case((rng.uniform(0.01, 0.99, n), rng.integers(0, 2, n), rng.uniform(0.02, 0.2, n), rng.uniform(0.1, 0.35, n),
              rng.uniform(0.05, 0.3, n)), f"{n} learners, each with its own skill's parameters"),
    ]
    result = check_function("Exercise 6.6 (knowledge-tracing update)", learner_fn, with_mistakes(bkt_update, BKT_MISTAKES),
                            cases, compare=naming_mistakes(compare_arrays), rtol=1e-6, atol=1e-9, strict=strict)
    return _falling_back_to(result, bkt_update)
