"""Answer checks for notebook 2a: a parameter-count formula (2.1), Adam's memory in mixed
precision (2.2), training time from 6·N·D (2.3).

Each check builds seeded cases and its catalogue of wrong answers, and is built with
`catalogued_check`; the notebook calls `check_...(learner_fn)` and hands the result to
`choose_implementation`."""

from __future__ import annotations

import numpy as np

from utils.checks.diagnose import Verdict, compare_arrays, compare_named, returned_none, to_numpy
from utils.checks.mistakes import Mistake, catalogued_check
from utils.checks.runner import Case, CheckResult
from utils.i18n import N_, _
from utils.param_count import (
    adam_training_bytes,
    gpt2_style,
    parameter_breakdown,
    total_parameters,
    training_flops,
    training_seconds,
)


# ---------------------------------------------------------------- 2.1 the parameters of a
# GPT-2-style decoder


def gpt_parameters(vocab_size: int, d_model: int, n_layers: int, context: int, d_ff: int) -> int:
    """Parameters of a GPT-2-shaped decoder with a tied head (the number of heads does not change
    the count)."""
    return total_parameters(gpt2_style(vocab_size, d_model, n_layers, 1, context, d_ff))


def _without(V, d, L, T, ff, block=None, extra=0, layers=None) -> int:
    """The reference count with one part left out or miscounted, for the catalogue of mistakes."""
    per_block = {
        "attention": 4 * d * d + 4 * d,
        "mlp": 2 * d * ff + ff + d,
        "norms": 4 * d,
        **(block or {}),
    }
    return (
        V * d + T * d + (L if layers is None else layers) * sum(per_block.values()) + 2 * d + extra
    )


PARAMETER_MISTAKES = (
    Mistake(
        "untied head",
        lambda V, d, L, T, ff: _without(V, d, L, T, ff, extra=V * d),
        N_(
            "You counted a separate output head (vocab_size × d_model). GPT-2 TIES it to the "
            "token embedding: the logits are the final activations times the embedding matrix "
            "transposed, so those numbers are already counted once."
        ),
    ),
    Mistake(
        "no biases",
        lambda V, d, L, T, ff: _without(
            V, d, L, T, ff, block={"attention": 4 * d * d, "mlp": 2 * d * ff}
        ),
        N_(
            "The biases are missing. Every linear layer has one per output: 3·d_model for Q, K, "
            "V, d_model for the attention's output projection, d_ff and d_model in the MLP."
        ),
    ),
    Mistake(
        "no norms",
        lambda V, d, L, T, ff: _without(V, d, L, T, ff, block={"norms": 0}, extra=-2 * d),
        N_(
            "The LayerNorms are missing: each learns a scale and a shift (2·d_model). There are "
            "two per block and one final norm."
        ),
    ),
    Mistake(
        "norm scale only",
        lambda V, d, L, T, ff: _without(V, d, L, T, ff, block={"norms": 2 * d}, extra=-d),
        N_(
            "Each LayerNorm was counted with d_model parameters. LayerNorm learns a scale AND a "
            "shift: 2·d_model per norm (RMSNorm, in LLaMA, has only the scale)."
        ),
    ),
    Mistake(
        "no final norm",
        lambda V, d, L, T, ff: _without(V, d, L, T, ff, extra=-2 * d),
        N_(
            "The final LayerNorm, after the last block and before the head, is missing (2·d_model)."
        ),
    ),
    Mistake(
        "no positions",
        lambda V, d, L, T, ff: _without(V, d, L, T, ff, extra=-T * d),
        N_(
            "The learned position embedding is missing: one d_model vector per position, context "
            "× d_model."
        ),
    ),
    Mistake(
        "4d, not d_ff",
        lambda V, d, L, T, ff: _without(V, d, L, T, 4 * d),
        N_(
            "Your MLP is 4·d_model wide. Use the d_ff argument: the test cases include models "
            "whose d_ff is not 4·d_model."
        ),
    ),
    Mistake(
        "no output projection",
        lambda V, d, L, T, ff: _without(V, d, L, T, ff, block={"attention": 3 * d * d + 3 * d}),
        N_(
            "The attention's output projection is missing: after the heads are put side by side, "
            "a d_model × d_model matrix (plus d_model biases) mixes them. Attention has four "
            "matrices: W_Q, W_K, W_V and W_O."
        ),
    ),
    Mistake(
        "one block",
        lambda V, d, L, T, ff: _without(V, d, L, T, ff, layers=1),
        N_(
            "Only one block was counted. The model stacks n_layers identical blocks: multiply the "
            "per-block count by n_layers."
        ),
    ),
)


def _is_whole_number_type(got) -> bool:
    """An int, a NumPy integer, or an integer array or tensor of one element; not a float."""
    if isinstance(got, bool):
        return False
    if isinstance(got, (int, np.integer)):
        return True
    if hasattr(got, "is_floating_point"):  # a torch tensor
        return not got.is_floating_point() and not got.is_complex()
    return np.asarray(got).dtype.kind in "iu"


def compare_count(got, expected, *, batch_size=None, rtol=None, atol=None) -> Verdict:
    """A whole number, of an integer type, compared exactly."""
    if got is None:
        return returned_none()
    try:
        value = float(to_numpy(got))
    except (TypeError, ValueError):
        message = _("Return one whole number; yours is a {type}.")
        return Verdict(False, "type", message.format(type=type(got).__name__))
    if not np.isfinite(value) or value != round(value):
        message = _("A count is a whole number; yours is {value}.")
        return Verdict(False, "type", message.format(value=repr(value)))
    if not _is_whole_number_type(got):
        value_note = (
            _("Its value is right.")
            if int(round(value)) == int(expected)
            else _("Make it an int first; then the check compares its value.")
        )
        return Verdict(
            False,
            "float",
            _(
                "Yours is {value:,.1f}, a float ({type}), and the statement asks for a whole "
                "number. {note} Return an int: use // rather than / (which always makes a float), "
                "or int(...) on the result."
            ).format(value=value, type=type(got).__name__, note=value_note),
        )
    if int(round(value)) == int(expected):
        return Verdict(True, "ok", "exact", 0.0)
    difference = int(round(value)) - int(expected)
    return Verdict(
        False,
        "values",
        _(
            "Yours is {value:,}, off by {difference:+,} ({share:.2%}). Go through the parts one by "
            "one: token and position embeddings; per block, attention (4 matrices and their "
            "biases), the MLP (2 matrices and their biases) and 2 LayerNorms; the final LayerNorm; "
            "the tied head."
        ).format(value=int(round(value)), difference=difference, share=abs(difference) / expected),
        abs(difference) / expected,
    )


PARAMETER_CASES = [
    Case(
        (50257, 768, 12, 1024, 3072),
        N_("GPT-2 small: vocab 50257, d_model 768, 12 layers, context 1024, d_ff 3072"),
    ),
    Case(
        (512, 64, 4, 64, 256),
        N_("this chapter's GPT: vocab 512, d_model 64, 4 layers, context 64, d_ff 256"),
    ),
    Case((1000, 48, 3, 32, 100), N_("d_ff = 100, not 4·d_model")),
    Case((7, 8, 1, 5, 16), N_("a toy: vocab 7, d_model 8, 1 layer, context 5, d_ff 16")),
]


def check_parameter_formula(learner_fn, strict: bool | None = None) -> CheckResult:
    """Exercise 2.1: the exact parameter count of a GPT-2-style decoder."""
    return catalogued_check(
        N_("Exercise 2.1 (parameter count of a GPT)"),
        learner_fn,
        gpt_parameters,
        PARAMETER_CASES,
        mistakes=PARAMETER_MISTAKES,
        compare=compare_count,
        exact=True,
        strict=strict,
        answer_keys=(total_parameters, parameter_breakdown),
    )


# ---------------------------------------------------------------- 2.2 Adam's memory in mixed
# precision

# The keys of `adam_training_bytes`, and the names that a diagnosis shows (through `_`).
MEMORY_PARTS = (N_("weights"), N_("gradients"), N_("master weights"), N_("Adam moments"))


def adam_mixed_precision_bytes(n_params: int) -> tuple[float, float, float, float]:
    """(weights, gradients, master weights, Adam moments) in bytes, in the layout of Megatron-LM and
    ZeRO: bf16 weights and gradients, fp32 master weights and moments."""
    state = adam_training_bytes(n_params, mixed_precision=True)
    return tuple(state[part] for part in MEMORY_PARTS)


MEMORY_MISTAKES = (
    Mistake(
        "moments",
        lambda n: (2 * n, 2 * n, 4 * n, 4 * n),
        N_(
            "Adam moments: Adam keeps TWO running averages per parameter, m (of the gradient) and "
            "v (of its square), each in fp32 (4 bytes): 8 bytes per parameter."
        ),
    ),
    Mistake(
        "no master",
        lambda n: (2 * n, 2 * n, 0, 8 * n),
        N_(
            "Master weights: in this layout the optimiser updates an fp32 copy of the weights (4 "
            "bytes per parameter), because bf16 has too few digits to accumulate small updates. "
            "The bf16 weights are re-made from it after each step."
        ),
    ),
    Mistake(
        "master in bf16",
        lambda n: (2 * n, 2 * n, 2 * n, 8 * n),
        N_(
            "Master weights: the master copy exists to be more precise than bf16, so it is fp32, "
            "4 bytes per parameter."
        ),
    ),
    Mistake(
        "fp32 weights and gradients",
        lambda n: (4 * n, 4 * n, 4 * n, 8 * n),
        N_(
            "Weights and gradients: in this layout the forward and backward passes use bf16 "
            "weights and produce bf16 gradients, 2 bytes per parameter; only the master weights "
            "and the moments are fp32."
        ),
    ),
    Mistake(
        "autocast layout",
        lambda n: (4 * n, 4 * n, 0, 8 * n),
        N_(
            "That is the layout of torch.autocast: fp32 weights and gradients and no master copy. "
            "The exercise asks for the other one, of Megatron-LM and ZeRO: bf16 weights and "
            "gradients (2 bytes each) and an fp32 master copy (4 bytes)."
        ),
    ),
    Mistake(
        "bits",
        lambda n: (16 * n, 16 * n, 32 * n, 64 * n),
        N_(
            "You counted bits. The answer is in bytes: bf16 is 16 bits = 2 bytes, fp32 is 32 bits "
            "= 4 bytes."
        ),
    ),
    Mistake(
        "gigabytes",
        lambda n: (2 * n / 1e9, 2 * n / 1e9, 4 * n / 1e9, 8 * n / 1e9),
        N_("You returned gigabytes. Return bytes; the notebook converts."),
    ),
    Mistake(
        "gibibytes",
        lambda n: (2 * n / 2**30, 2 * n / 2**30, 4 * n / 2**30, 8 * n / 2**30),
        N_("You returned gibibytes (GiB, 2³⁰ bytes). Return bytes; the notebook converts."),
    ),
    Mistake(
        "order",
        lambda n: (2 * n, 2 * n, 8 * n, 4 * n),
        N_(
            "The last two are in the wrong order: return (weights, gradients, master weights, "
            "Adam moments), so the master weights (4 bytes per parameter) come before the two "
            "moments (8 bytes per parameter)."
        ),
    ),
)

MEMORY_CASES = [
    Case((1000,), N_("1,000 parameters")),
    Case((124_439_808,), N_("GPT-2 small")),
    Case((6_738_415_616,), N_("LLaMA-7B")),
]


def check_adam_memory(learner_fn, strict: bool | None = None) -> CheckResult:
    """Exercise 2.2: the four parts of Adam's training state in mixed precision, in bytes."""
    return catalogued_check(
        N_("Exercise 2.2 (Adam memory in mixed precision)"),
        learner_fn,
        adam_mixed_precision_bytes,
        MEMORY_CASES,
        mistakes=MEMORY_MISTAKES,
        compare=compare_named(tuple(_(part) for part in MEMORY_PARTS)),
        rtol=1e-9,
        atol=0.0,
        strict=strict,
        answer_keys=(adam_training_bytes,),
    )


# ---------------------------------------------------------------- 2.3 days of training


def training_days(
    n_params: float, n_tokens: float, n_gpus: int, peak_flops: float, utilisation: float
) -> float:
    """Days to train with 6·N·D FLOPs on n_gpus sustaining `utilisation` of their peak."""
    return (
        training_seconds(training_flops(n_params, n_tokens), n_gpus, peak_flops, utilisation)
        / 86400.0
    )


DAYS_MISTAKES = (
    Mistake(
        "forward only",
        lambda N, D, g, p, u: training_days(N, D, g, p, u) / 3,
        N_(
            "You counted the forward pass only, 2·N·D. The backward pass costs about twice the "
            "forward (gradients with respect to the activations AND to the weights), so training "
            "is 6·N·D."
        ),
    ),
    Mistake(
        "utilisation ignored",
        lambda N, D, g, p, u: training_days(N, D, g, p, 1.0),
        N_(
            "The utilisation is ignored: a GPU sustains only that fraction of its peak. Divide by "
            "n_gpus · peak_flops · utilisation."
        ),
    ),
    Mistake(
        "utilisation inverted",
        lambda N, D, g, p, u: training_days(N, D, g, p, 1.0) * u,
        N_(
            "You multiplied by the utilisation. It is the fraction of the peak actually "
            "sustained, so it goes in the denominator: seconds = FLOPs / (n_gpus · peak_flops · "
            "utilisation)."
        ),
    ),
    Mistake(
        "one GPU",
        lambda N, D, g, p, u: training_days(N, D, 1, p, u),
        N_("The number of GPUs is missing: n_gpus GPUs share the work, so divide by it too."),
    ),
    Mistake(
        "seconds",
        lambda N, D, g, p, u: training_days(N, D, g, p, u) * 86400.0,
        N_("That is in seconds. Divide by 86,400 (24 · 60 · 60) for days."),
    ),
    Mistake(
        "hours",
        lambda N, D, g, p, u: training_days(N, D, g, p, u) * 24.0,
        N_("That is in hours. Divide by 24 for days."),
    ),
)

DAYS_CASES = [
    Case((6.74e9, 1e12, 2048, 312e12, 0.45), N_("LLaMA-7B, 1T tokens, 2048 A100s at 45%")),
    Case((124e6, 1e10, 8, 989e12, 0.4), N_("GPT-2 small, 10B tokens, 8 H100s at 40%")),
    Case((2.4e5, 5e6, 1, 1e11, 0.25), N_("a tiny GPT on one laptop CPU")),
]


def check_training_days(learner_fn, strict: bool | None = None) -> CheckResult:
    """Exercise 2.3: days of training from 6·N·D, the number of GPUs, their peak and the
    utilisation."""
    return catalogued_check(
        N_("Exercise 2.3 (days of training)"),
        learner_fn,
        training_days,
        DAYS_CASES,
        mistakes=DAYS_MISTAKES,
        compare=compare_arrays,
        rtol=1e-6,
        atol=0.0,
        strict=strict,
        answer_keys=(training_seconds,),
    )
