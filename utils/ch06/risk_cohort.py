"""A simulated cohort for risk prediction: patients' measurements and a known 10-year risk of an
event, so that a model's predicted risks can be compared with the truth as well as with the
outcomes."""

from __future__ import annotations

import numpy as np
from scipy.special import expit

FEATURES = (
    "age (years)",
    "systolic BP (mmHg)",
    "cholesterol (mmol/L)",
    "BMI (kg/m²)",
    "smoker (0/1)",
    "diabetes (0/1)",
)
# log-odds per unit of each feature, loosely in the spirit of published cardiovascular risk scores
# (not fitted to any)
COEFFICIENTS = np.array([0.07, 0.018, 0.25, 0.04, 0.7, 0.6])
INTERCEPT = -12.0


def simulate_patients(n: int = 20_000, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """X (n × 6, columns `FEATURES`), the true risk σ(INTERCEPT + X·COEFFICIENTS + age·smoker
    interaction), and the outcome y ~ Bernoulli(risk) (1 = event within 10 years)."""
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    rng = np.random.default_rng(seed)
    age = rng.uniform(35, 80, n)
    sbp = rng.normal(110 + 0.5 * age, 15)
    chol = rng.normal(5.2, 1.0, n)
    bmi = rng.normal(27, 4.5, n)
    smoker = (rng.random(n) < 0.22).astype(float)
    diabetes = (rng.random(n) < expit(-4.5 + 0.04 * age + 0.08 * (bmi - 27))).astype(float)
    X = np.column_stack([age, sbp, chol, bmi, smoker, diabetes])
    logit = (
        INTERCEPT + X @ COEFFICIENTS - 0.01 * (age - 55) * smoker
    )  # smoking matters a little less when old
    risk = expit(logit)
    y = (rng.random(n) < risk).astype(np.int64)
    return X, risk, y
