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
        "the guide (§1.4.1) says 数十亿到千亿: from several billion to hundreds of billions.",
    ),
    (
        "start-up",
        "创业",
        "Founding a new company or business to create commercial value (the guide's §1.4.1); the "
        "guide's title asks how a start-up should meet the industry's trends.",
    ),
    (
        "industry trend",
        "行业趋势",
        "The direction in which one industry develops over the coming years (the guide's §1.4.1); "
        "chapter 8 measures the trends it names.",
    ),
    (
        "parameter",
        "参数",
        "A number the training adjusts: an entry of a weight matrix W or a bias vector b.",
    ),
    (
        "hyper-parameter",
        "超参数",
        "A setting chosen before training rather than learned by it: the learning rate, the batch "
        "size, the layer sizes. The guide's §3.4 calls these 参数.",
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
        "data split",
        "数据集划分",
        "Dividing the rows into training, validation and test sets, each with its own role. The "
        "guide's §3.2.1 calls it 数据分片, which is sharding.",
    ),
    (
        "sharding",
        "数据分片",
        "Cutting data (or model state) into pieces that different workers hold or process, as "
        "data-parallel training does in chapter 8.",
    ),
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
        "learning-rate warm-up",
        "学习率预热",
        "Raising the learning rate from near zero over the first steps, so early large gradients "
        "do no harm.",
    ),
    (
        "warm-up (timing)",
        "预热（计时）",
        "Calls made before timing starts and left out of the timings, so that one-off costs "
        "(allocating memory, filling caches, compiling) do not count; see chapter 9.",
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
    (
        "rotary position embedding (RoPE)",
        "旋转位置编码",
        "Positions given by rotating each query and key, pair of dimensions by pair, by an angle "
        "proportional to its position, so that attention scores depend on relative positions.",
    ),
    (
        "top-p (nucleus) sampling",
        "核采样（top-p 采样）",
        "Drawing the next token from the smallest set of most likely tokens whose probabilities "
        "add up to p, renormalised.",
    ),
    (
        "key/value cache (KV cache)",
        "键值缓存",
        "The keys and values of earlier positions, kept during generation so that each new token "
        "runs through the model alone instead of recomputing the whole text.",
    ),
    (
        "grouped-query attention (GQA)",
        "分组查询注意力",
        "Attention in which several query heads share one key/value head, shrinking the key/value "
        "cache; Mistral-7B has 32 query heads and 8 key/value heads.",
    ),
    (
        "memory-bandwidth bound",
        "内存带宽瓶颈",
        "The limit on decoding speed set by reading the weights (and cache) from memory for every "
        "step: tokens per second at most bandwidth ÷ bytes read per token (chapter 2).",
    ),
    (
        "cross-entropy",
        "交叉熵",
        "The loss −Σ y·log p between the true labels y and the predicted probabilities p; for two"
        " classes, binary cross-entropy (chapter 4).",
    ),
    (
        "inference",
        "推理",
        "Running a trained model on new inputs to get its predictions, with no gradients and no "
        "parameter updates.",
    ),
    (
        "checkpoint",
        "检查点",
        "A saved copy of a model's parameters (and often the optimiser's state) from which "
        "training or inference can resume (chapter 5).",
    ),
    (
        "weight decay",
        "权重衰减",
        "A regulariser that shrinks every weight a little at each step, as an L2 penalty does "
        "(chapter 3).",
    ),
    (
        "data augmentation",
        "数据增强",
        "Training on randomly altered copies of the examples (shifted, flipped, noised) so that "
        "the model learns what does not change the label (chapter 5).",
    ),
    (
        "embedding",
        "嵌入",
        "A learned vector for each item of a vocabulary (a token, a user, a film): the row of a "
        "table that the model looks up.",
    ),
    (
        "convolution",
        "卷积",
        "A layer that slides one small kernel of weights over every position of an image or "
        "sequence; what deep-learning libraries compute is, strictly, cross-correlation (chapter "
        "5).",
    ),
    (
        "stride",
        "步幅",
        "How many positions a convolution's kernel moves between two outputs.",
    ),
    (
        "padding",
        "填充",
        "Values (usually zeros) added around an input so that a convolution's output keeps its "
        "size.",
    ),
    (
        "feature map",
        "特征图",
        "The output of one convolution channel: one value per position of the input.",
    ),
    (
        "residual connection",
        "残差连接",
        "Adding a block's input to its output (x + f(x)), so that the signal and its gradient can"
        " skip the block.",
    ),
    (
        "causal mask",
        "因果掩码",
        "The mask that stops each position of a GPT from attending to later positions.",
    ),
    (
        "tokenizer",
        "分词器",
        "The program that cuts text into tokens and maps them to integer ids, and back.",
    ),
    (
        "data leakage",
        "数据泄露",
        "Information from the validation or test data reaching the training, for example through "
        "a normalisation fitted on all rows (chapter 3).",
    ),
    (
        "confusion matrix",
        "混淆矩阵",
        "The table counting, for each true class, how many examples were predicted as each class.",
    ),
    (
        "precision",
        "精确率",
        "Of the examples predicted positive, the share that are positive.",
    ),
    (
        "recall",
        "召回率",
        "Of the positive examples, the share that are predicted positive.",
    ),
    (
        "calibration",
        "校准",
        "How well predicted probabilities match observed frequencies: of cases given 0.8, about "
        "80% should be positive (chapter 6).",
    ),
    (
        "class imbalance",
        "类别不平衡",
        "One class being much rarer than another, as fraud is; accuracy then misleads (chapter 6).",
    ),
    (
        "federated learning",
        "联邦学习",
        "Training on data that stays on its owners' devices: they send model updates, which a "
        "server averages (chapter 8).",
    ),
    (
        "differential privacy",
        "差分隐私",
        "A guarantee that a result hardly changes when any one person's data is added or removed,"
        " bounded by ε (chapter 8).",
    ),
    (
        "data parallelism",
        "数据并行",
        "Training one model on several devices, each with a share of the batch, their gradients "
        "averaged by an all-reduce (chapter 8).",
    ),
    (
        "saliency map",
        "显著图",
        "The gradient of a model's output with respect to its input, shown as how much each input"
        " value matters (chapter 8).",
    ),
]


def as_markdown_table(terms: list[tuple[str, str, str]] = TERMS) -> str:
    rows = ["| English | 中文 | Meaning |", "|---|---|---|"]
    rows += [f"| {en} | {zh} | {meaning} |" for en, zh, meaning in terms]
    return "\n".join(rows)
