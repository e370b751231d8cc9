"""The bilingual glossary: the guide's terms (§1.4) and the course's, as plain data."""

from __future__ import annotations

# (English term, Chinese term, definition in English)
TERMS: list[tuple[str, str, str]] = [
    (
        "artificial intelligence (AI)",
        "人工智能",
        "The field that builds computer systems doing tasks that call for intelligence when people "
        "do them.",
    ),
    (
        "machine learning (ML)",
        "机器学习",
        "Methods that fit a model's parameters to data instead of writing its rules by hand.",
    ),
    (
        "deep learning (DL)",
        "深度学习",
        "Machine learning with neural networks of many layers, each computing A = f(W·A_prev + b).",
    ),
    (
        "large model",
        "大模型 / AI大模型",
        "A neural network with billions or more parameters, pre-trained on very large data sets; "
        "the guide says tens of billions to hundreds of billions.",
    ),
    (
        "parameter",
        "参数",
        "A number the training adjusts: an entry of a weight matrix W or a bias vector b.",
    ),
    (
        "GPT",
        "生成式预训练 Transformer",
        "Generative Pre-trained Transformer: a decoder-only Transformer trained to predict the "
        "next token. The guide's '生成预训练模型' omits the Transformer.",
    ),
    (
        "BERT",
        "基于 Transformer 的双向编码器表示",
        "Bidirectional Encoder Representations from Transformers: an encoder-only Transformer "
        "pre-trained by filling in masked tokens.",
    ),
    (
        "Transformer",
        "Transformer（变换器）",
        "The attention-based architecture of 'Attention Is All You Need' (2017), the basis of GPT "
        "and BERT.",
    ),
    (
        "pre-training",
        "预训练",
        "Training on a broad, usually unlabelled data set before adapting the model to a task.",
    ),
    (
        "fine-tuning",
        "微调",
        "Continuing training of a pre-trained model on a smaller, task-specific data set.",
    ),
    (
        "forward propagation",
        "前向传播",
        "Computing the output layer by layer: Z = W·A_prev + b, then A = f(Z).",
    ),
    (
        "pre-activation Z",
        "预激活值",
        "The affine output W·A_prev + b of a layer, before the activation function. The guide "
        "calls it the 'activation value'; see chapter 4.",
    ),
    ("activation A", "激活值", "A = f(Z), the output of a layer after its activation function."),
    (
        "activation function",
        "激活函数",
        "The elementwise non-linearity f, such as sigmoid, tanh, ReLU or GELU.",
    ),
    (
        "back-propagation",
        "反向传播",
        "Computing the gradient of the loss with respect to every parameter by the chain rule, "
        "from the output backwards.",
    ),
    (
        "loss function",
        "损失函数",
        "A number L that measures how far predictions ŷ are from targets y; training makes it "
        "small.",
    ),
    (
        "gradient",
        "梯度",
        "The vector of partial derivatives ∂L/∂θ; it points to where the loss rises fastest.",
    ),
    ("gradient descent", "梯度下降", "The update θ ← θ − η·∂L/∂θ with learning rate η."),
    ("learning rate η", "学习率", "The step size of gradient descent."),
    (
        "batch",
        "批次",
        "The examples processed together in one training step; losses average over it.",
    ),
    ("epoch", "轮次 / 训练周期", "One pass over the whole training set."),
    (
        "overfitting",
        "过拟合",
        "Fitting the training data's noise: training loss falls while validation loss rises.",
    ),
    (
        "device",
        "设备",
        "Where tensors live and computation runs: CPU, an NVIDIA GPU (CUDA) or an Apple GPU (MPS).",
    ),
    (
        "attention",
        "注意力（机制）",
        "Each position mixes the values of other positions, weighted by softmax(QKᵀ/√d_k); the "
        "core of a Transformer.",
    ),
    (
        "token",
        "词元",
        "The unit a language model reads and predicts: a word piece produced by a tokenizer such "
        "as byte-level BPE.",
    ),
    (
        "mixed precision",
        "混合精度",
        "Computing in a 16-bit format (bf16 or fp16) where it is safe and keeping float32 where it "
        "is not, e.g. the weights' master copy.",
    ),
    (
        "bfloat16 (bf16)",
        "bfloat16 格式",
        "A 16-bit float with float32's exponent range and 8 bits of precision; the usual training "
        "format on modern GPUs.",
    ),
    (
        "fused optimiser",
        "融合优化器",
        "An optimiser step that updates all parameters in a few large kernels instead of many "
        "small ones.",
    ),
    (
        "profiler",
        "性能分析器",
        "A tool that records where a program spends its time, e.g. torch.profiler for models.",
    ),
    (
        "event file",
        "事件文件",
        "The file TensorBoard reads: a log of scalars, histograms and graphs written during "
        "training.",
    ),
    (
        "backend",
        "后端",
        "The library that does a framework's arithmetic; Keras 3 can run on JAX, TensorFlow or "
        "PyTorch.",
    ),
    (
        "warm-up",
        "预热",
        "Raising the learning rate from near zero over the first steps, so early large gradients "
        "do no harm.",
    ),
    (
        "pruning",
        "剪枝",
        "Setting a model's least important weights to zero, to make it smaller or faster.",
    ),
    (
        "quantisation",
        "量化",
        "Storing weights (and maybe activations) in fewer bits, e.g. int8, with a scale to map "
        "them back.",
    ),
    (
        "preprint",
        "预印本",
        "A paper posted before (or without) peer review, e.g. on arXiv; arXiv is a preprint "
        "server, not a journal.",
    ),
    (
        "DOI",
        "数字对象唯一标识符",
        "Digital Object Identifier: a stable identifier of a published work, resolved at doi.org.",
    ),
]


def as_markdown_table(terms: list[tuple[str, str, str]] = TERMS) -> str:
    rows = ["| English | 中文 | Meaning |", "|---|---|---|"]
    rows += [f"| {en} | {zh} | {meaning} |" for en, zh, meaning in terms]
    return "\n".join(rows)
