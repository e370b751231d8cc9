"""The BKT simulator and filter, the history features, the GRU tracer and the adaptive policy."""

import numpy as np
import torch
from sklearn.metrics import roc_auc_score

from utils.ch06.knowledge_tracing import (
    PARAMS,
    SKILLS,
    KnowledgeTracer,
    bkt_predict,
    bkt_trace,
    bkt_update,
    history_features,
    least_known_policy,
    predict_tracer,
    simulate_practice,
    train_tracer,
)


def test_simulated_answers_follow_slip_and_guess():
    practice = simulate_practice(n_learners=2000, n_steps=20, seed=0)
    s, c, known = practice.skills, practice.correct, practice.known
    for k in range(len(SKILLS)):
        slip, guess = PARAMS[k, 2], PARAMS[k, 3]
        assert abs(1 - c[(s == k) & known].mean() - slip) < 0.02
        assert abs(c[(s == k) & ~known].mean() - guess) < 0.02
    assert practice.mastered.shape == (2000, len(SKILLS))


def test_bkt_update_by_hand():
    # right answer: 0.3·0.9 / (0.3·0.9 + 0.7·0.2) = 0.27 / 0.41, then learning with 0.15
    posterior = 0.27 / 0.41
    assert np.isclose(bkt_update(0.3, 1, 0.1, 0.2, 0.15), posterior + (1 - posterior) * 0.15)
    wrong = bkt_update(np.array([0.3, 0.3]), np.array([0, 1]), 0.1, 0.2, 0.0)
    assert wrong[0] < 0.3 < wrong[1]


def test_bkt_predict_uses_only_earlier_answers():
    practice = simulate_practice(n_learners=50, n_steps=10, seed=1)
    full = bkt_predict(practice.skills, practice.correct)
    changed = practice.correct.copy()
    changed[:, 5:] = 1 - changed[:, 5:]
    np.testing.assert_array_equal(bkt_predict(practice.skills, changed)[:, :6], full[:, :6])
    _, knowledge = bkt_trace(practice.skills, practice.correct)
    np.testing.assert_allclose(knowledge[:, 0], np.tile(PARAMS[:, 0], (50, 1)))


def test_history_features_count_earlier_answers_only():
    skills = np.array([[0, 0, 1, 0]])
    correct = np.array([[1, 0, 1, 1]])
    f = history_features(skills, correct, n_skills=2)
    assert f.shape == (1, 4, 5)
    np.testing.assert_allclose(
        np.expm1(f[0, 3, 2:4]), [1, 1]
    )  # one right, one wrong on skill 0 before step 3
    np.testing.assert_allclose(f[0, 3, 4], 2 / 3)
    np.testing.assert_allclose(f[0, 0, 4], 0.5)


def test_tracer_is_causal_and_learns():
    practice = simulate_practice(n_learners=300, n_steps=30, seed=2)
    torch.manual_seed(0)
    model = KnowledgeTracer(len(SKILLS), hidden=16)
    S, C = torch.tensor(practice.skills), torch.tensor(practice.correct)
    logits = model(S[:4], C[:4])
    C2 = C[:4].clone()
    C2[:, 10:] = 1 - C2[:, 10:]
    torch.testing.assert_close(model(S[:4], C2)[:, :11], logits[:, :11])
    losses = train_tracer(
        model, practice.skills[:240], practice.correct[:240], epochs=15, progress=False
    )
    assert losses[-1] < losses[0]
    p = predict_tracer(model, practice.skills[240:], practice.correct[240:])
    assert roc_auc_score(practice.correct[240:].ravel(), p.ravel()) > 0.7


def test_adaptive_policy_masters_more_skills_than_random_order():
    random_order = simulate_practice(400, 25, seed=3)
    adaptive = simulate_practice(400, 25, seed=3, choose=least_known_policy(400))
    assert adaptive.mastered.all(axis=1).mean() > random_order.mastered.all(axis=1).mean()
