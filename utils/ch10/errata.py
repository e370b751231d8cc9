"""The guide's errata as data: where the guide says it, what is true, and the notebook (and a phrase
of the cell or heading there) that shows the evidence."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

SOLUTIONS = Path(__file__).resolve().parents[2] / "solutions"


@dataclass(frozen=True)
class Erratum:
    group: int  # the course's numbering of the guide's errata, 1–10
    where: str  # the guide's section
    guide_says: str
    what_is_true: str
    evidence: tuple[
        tuple[str, str], ...
    ]  # (notebook name, a phrase of the cell or heading that shows it)


ERRATA: list[Erratum] = [
    Erratum(
        1,
        "§4.2 step 3",
        "∂L/∂W31 = (y1 − ŷ1)·A1",
        "For L = ½Σ(ŷ − y)², ∂L/∂ŷ = ŷ − y: the guide's sign makes the update of step 4 climb the "
        "loss.",
        (("04b_worked_example", "Erratum 1, with numbers"),),
    ),
    Erratum(
        2,
        "§4.2 step 1",
        "Z_2 = W21·A1 + W22·A2 + W23·A3 + b2 (neuron and layer indices mixed)",
        "Z¹ = W¹x + b¹ with W¹ (4 × 3), A¹ = σ(Z¹), ŷ = W²A¹ + b² with W² (2 × 4).",
        (("04b_worked_example", "The example network, made consistent"),),
    ),
    Erratum(
        3,
        "§4.1.1",
        "Z_l is the “activation value” (激活值)",
        "Z_l is the pre-activation; the activation is A_l = f(Z_l).",
        (("04a_forward_backward", "the activation value"),),
    ),
    Erratum(
        4,
        "§4.1.3",
        "cross-entropy = −(1/n)Σ y·log ŷ",
        "That is the categorical form; binary cross-entropy, which §5 uses, adds the (1 − y)·log(1 "
        "− ŷ) term.",
        (("04a_forward_backward", "The guide gives cross-entropy as"),),
    ),
    Erratum(
        5,
        "§7.1.3, §10.3",
        "arXiv is a top academic journal (顶级学术期刊)",
        "arXiv is a preprint server; nothing posted there is peer reviewed.",
        (("10_references", "arXiv is a preprint server"),),
    ),
    Erratum(
        5,
        "§7.2.2",
        "gprof diagnoses and optimises deep-learning models",
        "gprof profiles compiled C programs; a model's time is measured with torch.profiler.",
        (("07_tools", "The guide recommends gprof"),),
    ),
    Erratum(
        5,
        "§7.2.2",
        "WMLC is Microsoft's open-source deep-learning profiler",
        "“WMLC” names no known tool.",
        (("07_tools", "WMLC"),),
    ),
    Erratum(
        5,
        "§7.2.3",
        "Keras is based on TensorFlow and Theano",
        "Keras 3 runs on JAX, TensorFlow or PyTorch; Theano's development ended in 2017.",
        (("07_tools", "based on TensorFlow and Theano"),),
    ),
    Erratum(
        5,
        "§7.3, §10.4",
        "“AlexNet: Image Classification with…”, “Transformers: State-of-the-Art NLP” as the "
        "architecture, “Large-scale Language Modeling” as GPT-3",
        "“ImageNet Classification with Deep Convolutional Neural Networks”; “Attention Is All You "
        "Need” (the other is "
        "the Hugging Face library paper); “Language Models are Few-Shot Learners”.",
        (("10_references", "The guide's reading list, checked"),),
    ),
    Erratum(
        6,
        "§5.2",
        "model.evaluate(X_test, y_test) with X_test never defined",
        "The split is made explicit: a stratified test set, standardised with training statistics "
        "only.",
        (("05a_guide_classifier", "the split the guide forgot"),),
    ),
    Erratum(
        7,
        "§4.2 steps 3–4",
        "back-propagation computes and updates W31 … b4 only",
        "Back-propagation reaches every layer; the guide's procedure never trains the hidden "
        "layer.",
        (("04b_worked_example", "back-propagates only into the output layer"),),
    ),
    Erratum(
        8,
        "§3.2.3, §3.3",
        "the parameter update is called back-propagation; the pseudo-code has no validation split",
        "Back-propagation computes the gradients and the optimiser updates; a validation split "
        "chooses the epoch.",
        (
            ("03b_train_evaluate_deploy", "反向传播：根据损失函数的梯度，更新模型参数"),
            ("03b_train_evaluate_deploy", "here is what is missing"),
        ),
    ),
    Erratum(
        9,
        "§5.1",
        "packages installed before the virtual environment is created",
        "Create and activate the environment first, or the packages land in the global Python.",
        (("05a_guide_classifier", "sys.base_prefix"),),
    ),
    Erratum(
        9,
        "§5",
        "the 4,097-parameter classifier is an “AI大模型”",
        "By the guide's own §2.1 (billions of parameters) it is about a million times smaller than "
        "a 7B model.",
        (("02a_what_large_means", "4,097-parameter classifier"),),
    ),
    Erratum(
        10,
        "§7.1.1, §10.1",
        "Chollet's 《Python深度学习》 is “Python Deep Learning”; 《AI大模型技术全栈工程师之路》 by "
        "“experts”",
        "Deep Learning with Python; the second names no author and could not be found.",
        (("10_references", "The guide's reading list, checked"),),
    ),
    Erratum(
        10,
        "§9.4",
        "GluonCV is a visualisation tool",
        "GluonCV is a computer-vision model toolkit on Apache MXNet.",
        (("09_faq", "GluonCV"), ("08c_interpretability", "GluonCV")),
    ),
    Erratum(
        10,
        "§7.3.3",
        "“Google Search with BERT” is a paper",
        "It is a 2019 blog post by Pandu Nayak.",
        (("10_references", "The guide's reading list, checked"),),
    ),
    Erratum(
        10,
        "§7.1.2, §10.2",
        "Stanford's course by Andrew Ng; Google AI Academy's course",
        "Stanford's is CS230; no Google course of that name exists (the closest is the Machine "
        "Learning Crash Course).",
        (("10_references", "The guide's reading list, checked"),),
    ),
]


def missing_evidence(errata: list[Erratum] = ERRATA, folder: Path = SOLUTIONS) -> list[str]:
    """Each evidence pointer whose notebook does not exist or does not contain its phrase (empty
    when all hold)."""
    found = []
    for erratum in errata:
        for notebook, phrase in erratum.evidence:
            path = folder / f"{notebook}.md"
            if not path.is_file():
                found.append(f"erratum {erratum.group} ({erratum.where}): no notebook {path.name}")
            elif phrase not in path.read_text(encoding="utf-8"):
                found.append(
                    f"erratum {erratum.group} ({erratum.where}): {path.name} does not contain "
                    f"{phrase!r}"
                )
    return found


def as_markdown_table(errata: list[Erratum] = ERRATA) -> str:
    rows = ["| # | where | the guide says | what is true | evidence |", "|---|---|---|---|---|"]
    for e in errata:
        evidence = "<br>".join(f"`{notebook}` · “{phrase}”" for notebook, phrase in e.evidence)
        rows.append(f"| {e.group} | {e.where} | {e.guide_says} | {e.what_is_true} | {evidence} |")
    return "\n".join(rows)
