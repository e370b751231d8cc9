"""Knowledge tracing on simulated learners: a Bayesian knowledge tracing (BKT) simulator, the BKT
filter that predicts each next answer, features for a logistic baseline, and a small recurrent model
(deep knowledge tracing)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from scipy.special import expit, logit
from torch import nn
from tqdm.auto import tqdm

from utils.i18n import _

# Skills named after this course's exercises; (p_init, p_learn, p_slip, p_guess) for each, chosen by
# hand.
SKILLS = ("derivatives", "losses", "training step", "threshold metrics", "leak-free split")
PARAMS = np.array(
    [
        [0.20, 0.15, 0.10, 0.20],
        [0.40, 0.20, 0.08, 0.25],
        [0.10, 0.10, 0.12, 0.15],
        [0.50, 0.25, 0.05, 0.30],
        [0.30, 0.08, 0.10, 0.20],
    ]
)


@dataclass(frozen=True)
class Practice:
    """Simulated practice: skill practised and answer (1 = right) at each step, and the hidden
    knowledge state."""

    skills: np.ndarray  # (learners × steps) int64
    correct: np.ndarray  # (learners × steps) int64
    known: np.ndarray  # (learners × steps) bool, whether the skill was known when it was attempted
    mastered: np.ndarray  # (learners × skills) bool, which skills are known after the last step
    ability: (
        np.ndarray
    )  # (learners,) each learner's hidden ability (shifts p_init and p_learn on the logit scale)


def simulate_practice(
    n_learners: int = 600,
    n_steps: int = 50,
    params=PARAMS,
    ability_sd: float = 1.0,
    seed: int = 0,
    choose=None,
) -> Practice:
    """BKT's generative story, per learner: each skill starts known with p_init; an answer is right
    with 1 − p_slip if known, p_guess if not; after each attempt an unknown skill becomes known with
    p_learn. A learner's ability a ~ N(0, ability_sd²) adds a to the logits of p_init and p_learn
    (BKT itself has no such term). Skills are practised in random order, or chosen by `choose(step,
    skills so far, answers so far)`, which returns one skill per learner."""
    params = np.asarray(params, dtype=np.float64)
    rng = np.random.default_rng(seed)
    n_skills = len(params)
    ability = rng.normal(0.0, ability_sd, n_learners)
    p_init = expit(logit(params[:, 0])[None, :] + ability[:, None])
    p_learn = expit(logit(params[:, 1])[None, :] + ability[:, None])
    state = rng.random((n_learners, n_skills)) < p_init
    skills = np.zeros((n_learners, n_steps), dtype=np.int64)
    correct = np.zeros_like(skills)
    known = np.zeros((n_learners, n_steps), dtype=bool)
    rows = np.arange(n_learners)
    for t in range(n_steps):
        s = (
            rng.integers(0, n_skills, n_learners)
            if choose is None
            else np.asarray(choose(t, skills[:, :t], correct[:, :t]))
        )
        k = state[rows, s]
        right = np.where(
            k, rng.random(n_learners) >= params[s, 2], rng.random(n_learners) < params[s, 3]
        )
        skills[:, t], correct[:, t], known[:, t] = s, right, k
        state[rows, s] = k | (rng.random(n_learners) < p_learn[rows, s])
    return Practice(skills, correct, known, state, ability)


def bkt_update(p_know, correct, slip, guess, learn):
    """P(skill known at the next attempt) from P(known) before this one and this answer (1 = right):
    Bayes' rule on the answer, then the chance to learn. Works elementwise on arrays."""
    p_know = np.asarray(p_know, dtype=np.float64)
    right = np.asarray(correct).astype(bool)
    if_right = p_know * (1 - slip) / (p_know * (1 - slip) + (1 - p_know) * guess)
    if_wrong = p_know * slip / (p_know * slip + (1 - p_know) * (1 - guess))
    posterior = np.where(right, if_right, if_wrong)
    return posterior + (1 - posterior) * learn


def bkt_trace(skills, correct, params=PARAMS, update=bkt_update) -> tuple[np.ndarray, np.ndarray]:
    """BKT run along each learner's answers with the population parameters `params` and the rule
    `update`. Returns P(right answer) at every step from the answers before it (learners × steps),
    and P(known) of every skill before every step (learners × steps × skills)."""
    params = np.asarray(params, dtype=np.float64)
    skills, correct = np.asarray(skills), np.asarray(correct)
    n_learners, n_steps = skills.shape
    p_know = np.tile(params[:, 0], (n_learners, 1))
    rows = np.arange(n_learners)
    predicted = np.zeros((n_learners, n_steps))
    knowledge = np.zeros((n_learners, n_steps, len(params)))
    for t in range(n_steps):
        s = skills[:, t]
        slip, guess, learn = params[s, 2], params[s, 3], params[s, 1]
        knowledge[:, t] = p_know
        prior = p_know[rows, s]
        predicted[:, t] = prior * (1 - slip) + (1 - prior) * guess
        p_know[rows, s] = update(prior, correct[:, t], slip, guess, learn)
    return predicted, knowledge


def bkt_predict(skills, correct, params=PARAMS, update=bkt_update) -> np.ndarray:
    """P(right answer) at every step, from the answers before it only (learners × steps):
    `bkt_trace`'s first part."""
    return bkt_trace(skills, correct, params, update)[0]


def least_known_policy(n_learners: int, params=PARAMS, update=bkt_update):
    """A `choose` for `simulate_practice` that gives each learner the skill BKT thinks least likely
    known (P(known) from the population parameters, updated after every answer)."""
    params = np.asarray(params, dtype=np.float64)
    p_know = np.tile(params[:, 0], (n_learners, 1))
    rows = np.arange(n_learners)

    def choose(step, skills, correct):
        if step > 0:
            s = skills[:, -1]
            p_know[rows, s] = update(
                p_know[rows, s], correct[:, -1], params[s, 2], params[s, 3], params[s, 1]
            )
        return np.argmin(p_know, axis=1)

    return choose


def history_features(skills, correct, n_skills: int = len(SKILLS)) -> np.ndarray:
    """For every attempt, from the attempts before it: one-hot skill, log(1 + right so far) and
    log(1 + wrong so far) on that skill, and the learner's share right so far on all skills (a
    logistic model's inputs, learners × steps × f)."""
    skills, correct = np.asarray(skills), np.asarray(correct)
    n_learners, n_steps = skills.shape
    rows = np.arange(n_learners)
    rights = np.zeros((n_learners, n_skills))
    wrongs = np.zeros((n_learners, n_skills))
    features = np.zeros((n_learners, n_steps, n_skills + 3))
    for t in range(n_steps):
        s = skills[:, t]
        done = rights.sum(1) + wrongs.sum(1)
        features[rows, t, s] = 1.0
        features[:, t, n_skills] = np.log1p(rights[rows, s])
        features[:, t, n_skills + 1] = np.log1p(wrongs[rows, s])
        features[:, t, n_skills + 2] = np.where(done > 0, rights.sum(1) / np.maximum(done, 1), 0.5)
        rights[rows, s] += correct[:, t]
        wrongs[rows, s] += 1 - correct[:, t]
    return features


class KnowledgeTracer(nn.Module):
    """Deep knowledge tracing (Piech et al., 2015): a GRU reads (skill, answer) pairs one-hot and
    outputs, after each step, a logit per skill for a right answer at the next attempt."""

    def __init__(self, n_skills: int = len(SKILLS), hidden: int = 32):
        super().__init__()
        self.n_skills = n_skills
        self.gru = nn.GRU(2 * n_skills, hidden, batch_first=True)
        self.out = nn.Linear(hidden, n_skills)

    def forward(self, skills: torch.Tensor, correct: torch.Tensor) -> torch.Tensor:
        """Logit of a right answer at each step (learners × steps), from the steps before it
        only."""
        inputs = F.one_hot(skills + self.n_skills * correct, 2 * self.n_skills).float()
        states, _ = self.gru(inputs[:, :-1])
        logits = self.out(states).gather(2, skills[:, 1:, None]).squeeze(2)
        start = self.out.bias[skills[:, 0]].unsqueeze(
            1
        )  # before any answer: the learned bias of that skill
        return torch.cat([start, logits], dim=1)


def train_tracer(
    model: KnowledgeTracer,
    skills,
    correct,
    *,
    epochs: int = 40,
    batch_size: int = 64,
    lr: float = 1e-2,
    device="cpu",
    seed: int = 0,
    progress: bool = True,
) -> list[float]:
    """Adam on the mean binary cross-entropy of every answer given the ones before it; returns each
    epoch's mean loss."""
    device = torch.device(device)
    model.to(device)
    S = torch.as_tensor(np.asarray(skills), device=device)
    C = torch.as_tensor(np.asarray(correct), device=device)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    generator = torch.Generator(device=device).manual_seed(seed)
    losses = []
    bar = tqdm(range(epochs), desc=_("knowledge tracer"), unit="epoch", disable=not progress)
    for _epoch in bar:
        model.train()
        total = torch.zeros((), device=device)
        for rows in torch.randperm(len(S), generator=generator, device=device).split(batch_size):
            loss = F.binary_cross_entropy_with_logits(model(S[rows], C[rows]), C[rows].float())
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total += loss.detach() * len(rows)
        losses.append(total)
    model.eval()
    return (torch.stack(losses) / len(S)).tolist()


@torch.no_grad()
def predict_tracer(model: KnowledgeTracer, skills, correct) -> np.ndarray:
    """P(right answer) at every step (learners × steps), as a NumPy array."""
    device = next(model.parameters()).device
    S = torch.as_tensor(np.asarray(skills), device=device)
    C = torch.as_tensor(np.asarray(correct), device=device)
    return torch.sigmoid(model(S, C)).float().cpu().numpy()
