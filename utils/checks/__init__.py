"""Answer checking: the runner (`runner`), the diagnoses (`diagnose`, `mistakes`) and each chapter's
checks (`chNN`)."""

from utils.checks.diagnose import Verdict, compare_arrays, compare_named, returned_none
from utils.checks.runner import (
    Case,
    CheckResult,
    ExerciseCheckFailed,
    check_function,
    choose_implementation,
    strict_mode,
)

__all__ = [
    "Case",
    "CheckResult",
    "ExerciseCheckFailed",
    "Verdict",
    "check_function",
    "choose_implementation",
    "compare_arrays",
    "compare_named",
    "returned_none",
    "strict_mode",
]
