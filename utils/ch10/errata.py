"""The guide's errata as data: where the guide says it, what is true, and the notebook (and a phrase
of the cell or heading there) that shows the evidence. Also the guide's own outline (§1.3) and its
numbered sections, which the errata table compares."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

SOLUTIONS = Path(__file__).resolve().parents[2] / "solutions"


@dataclass(frozen=True)
class Erratum:
    group: int  # the course's numbering of the guide's errata, 1–12
    where: str  # the guide's section
    guide_says: str
    what_is_true: str
    # (notebook name, a phrase of the cell or heading that shows it)
    evidence: tuple[tuple[str, str], ...]


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
        "With one label and one prediction per example, as written, that is neither "
        "cross-entropy. Categorical cross-entropy needs a second sum, over the K classes: "
        "−(1/n)Σ_i Σ_k y_ik·log ŷ_ik. Binary cross-entropy, which §5 uses, is "
        "−(1/n)Σ[y·log ŷ + (1 − y)·log(1 − ŷ)]; the formula as written drops every example with "
        "y = 0.",
        (
            ("04a_forward_backward", "The guide gives cross-entropy as"),
            ("04b_worked_example", "categorical cross-entropy needs a second sum"),
        ),
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
        "gprof profiles compiled programs (C and the like); a model's time is measured with "
        "torch.profiler.",
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
        "§7.3.1 #3, §10.4 #3",
        "“AlexNet: Image Classification with Deep Convolutional Neural Networks”",
        "The title is “ImageNet Classification with Deep Convolutional Neural Networks”.",
        (("10_references", "The guide's reading list, checked"),),
    ),
    Erratum(
        5,
        "§7.3.2 #1",
        "“Large-scale Language Modeling” presents GPT-3",
        "GPT-3's paper is “Language Models are Few-Shot Learners”.",
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
        "§7.1.2 #2, §10.2 #2",
        "谷歌AI学院深度学习课程 (a deep learning course of a “Google AI Academy”)",
        "No course of that name exists. The Google course it most likely means is “Deep Learning” "
        "on Udacity (UD730, 2016), taught by Vincent Vanhoucke of Google.",
        (("10_references", "The guide's reading list, checked"),),
    ),
    # ---- 11: found in a later review, corrected in the notebooks
    Erratum(
        11,
        "§2.2",
        "a large model is an input layer, hidden layers and an output layer",
        "That is a multilayer perceptron. Large language models are stacks of Transformer blocks "
        "(attention and feed-forward layers), where almost all the parameters sit.",
        (("02a_what_large_means", "The guide says a large model is an input layer"),),
    ),
    Erratum(
        11,
        "§3.2.1",
        "clean, normalise, then split",
        "Split first: every number learnt from the data (medians, thresholds, means, standard "
        "deviations) comes from the training rows, or the test rows leak into training.",
        (("03a_data_and_model", "The guide says: clean, normalise, then split"),),
    ),
    Erratum(
        11,
        "§5.1",
        "install CUDA and cuDNN to use a GPU",
        "PyTorch's CUDA builds bring the CUDA runtime and cuDNN with them; only a recent enough "
        "NVIDIA driver is needed.",
        (("05a_guide_classifier", "install CUDA and cuDNN"),),
    ),
    Erratum(
        11,
        "§6.3",
        "content-based recommendation works from the user's history and interests",
        "Content-based recommendation matches the content of items with a user's profile; "
        "learning from many users' histories is collaborative filtering.",
        (("06b_recommendation_and_finance", "content-based recommendation works"),),
    ),
    Erratum(
        11,
        "§1.4.3",
        "GPT: 生成预训练模型; BERT: 双向编码器表示",
        "Generative Pre-trained Transformer; Bidirectional Encoder Representations from "
        "Transformers: both glosses leave out the Transformer.",
        (("01_background", "Two of the guide's expansions are"),),
    ),
    # ---- 12: found in that review, corrected here or in the notebook named
    Erratum(
        12,
        "§4.1.2",
        "back-propagation is ∂L/∂W_l = ∂L/∂Z_l·∂Z_l/∂W_l and the same for b_l",
        "That is one layer's weight gradient. Back-propagation also carries the gradient down: "
        "dA_{l−1} = W_lᵀ·dZ_l, then dZ_{l−1} = dA_{l−1} ⊙ f′(Z_{l−1}); without it only the last "
        "layer gets a gradient.",
        (
            ("04a_forward_backward", "Linear layer backward"),
            ("04b_worked_example", "back-propagates only into the output layer"),
        ),
    ),
    Erratum(
        12,
        "§9.3",
        "pruning and quantisation reduce the model's size and computing cost",
        "Only with the right storage and kernels. Pruned weights stored densely change neither "
        "size nor speed; int8 stores a weight in 1 byte instead of 4, but is faster only where "
        "int8 kernels beat float32 at that layer size.",
        (
            ("09_faq", "The guide says pruning and quantisation cut"),
            ("08d_compression", "Side by side"),
        ),
    ),
    Erratum(
        12,
        "§3.4",
        "model structure, loss and optimiser are “参数” (parameters) to adjust",
        "Those are hyper-parameters (超参数), chosen before training; parameters (参数) are the "
        "weights and biases that training learns.",
        (("10_references", "hyper-parameters (超参数)"),),
    ),
    Erratum(
        12,
        "§1.3",
        "the guide has 11 parts, starting with 引言 (introduction)",
        "The guide has 10 numbered sections, starting with 1 背景介绍; no 引言 exists.",
        (("10_references", "§1.3 lists"),),
    ),
    Erratum(
        12,
        "§3.2.1",
        "数据分片 (sharding) into training, validation and test sets",
        "That is 数据集划分, a split into roles. Sharding cuts data into pieces for different "
        "workers, as data-parallel training does.",
        (("10_references", "数据集划分"), ("08a_compute_and_data_parallel", "shard")),
    ),
    Erratum(
        12,
        "§5.2.1",
        "每层都有64个神经元和32个神经元 (each layer has 64 neurons and 32 neurons)",
        "The first hidden layer has 64 units, the second 32.",
        (("07_tools", "units per Dense layer"),),
    ),
]

# The guide's outline as its §1.3 lists it, and its numbered sections (its headings "## 1." to
# "## 10."), copied from the guide.
GUIDE_OUTLINE: tuple[str, ...] = (
    "引言",
    "背景介绍",
    "核心概念与联系",
    "核心算法原理 & 具体操作步骤",
    "数学模型和公式 & 详细讲解 & 举例说明",
    "项目实战：代码实际案例和详细解释说明",
    "实际应用场景",
    "工具和资源推荐",
    "总结：未来发展趋势与挑战",
    "附录：常见问题与解答",
    "扩展阅读 & 参考资料",
)
GUIDE_SECTIONS: tuple[str, ...] = (
    "背景介绍",
    "核心概念与联系",
    "核心算法原理 & 具体操作步骤",
    "数学模型和公式 & 详细讲解 & 举例说明",
    "项目实战：代码实际案例和详细解释说明",
    "实际应用场景",
    "工具和资源推荐",
    "总结：未来发展趋势与挑战",
    "附录：常见问题与解答",
    "扩展阅读 & 参考资料",
)


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
