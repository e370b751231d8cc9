"""The reading list as data: every work the guide cites (checked, corrected or marked unverifiable),
the works the course relies on chapter by chapter, and the checks that each entry is well formed."""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass

STATUSES = ("verified", "corrected", "unverifiable", "not a reference")


@dataclass(frozen=True)
class Reference:
    """One work: title, authors, year, and a stable identifier where one exists (DOI, arXiv id, ISBN
    or URL)."""

    key: str
    title: str
    authors: str
    year: int
    # paper, book, course, blog post, website, software, data set, data sheet, preprint server
    kind: str
    venue: str = ""
    doi: str = ""
    arxiv: str = ""
    isbn: str = ""
    url: str = ""
    chapters: tuple[int, ...] = ()  # the course chapters that rely on it
    note: str = ""

    @property
    def identifier(self) -> str:
        if self.doi:
            return f"doi:{self.doi}"
        if self.arxiv:
            return f"arXiv:{self.arxiv}"
        if self.isbn:
            return f"ISBN {self.isbn}"
        return self.url


@dataclass(frozen=True)
class GuideEntry:
    """One item of the guide's lists (§7.1–7.3, §10.1–10.4): as the guide gives it, and what it
    really is."""

    where: str
    as_cited: str
    status: str
    keys: tuple[str, ...] = ()  # the real work(s); for an unverifiable entry, the closest real ones
    correction: str = ""


def _r(*args, **kwargs) -> tuple[str, Reference]:
    ref = Reference(*args, **kwargs)
    return ref.key, ref


REFERENCES: dict[str, Reference] = dict(
    [
        # ---------------------------------------------------------------- books, courses, websites
        # the guide names
        _r(
            "goodfellow2016",
            "Deep Learning",
            "Ian Goodfellow, Yoshua Bengio, Aaron Courville",
            2016,
            "book",
            "MIT Press",
            isbn="978-0-262-03561-3",
            url="https://www.deeplearningbook.org",
            chapters=(3, 4),
        ),
        _r(
            "chollet2017",
            "Deep Learning with Python",
            "François Chollet",
            2017,
            "book",
            "Manning (2nd edition 2021)",
            isbn="978-1-61729-443-3",
            chapters=(5, 7),
            note="Chinese edition: 《Python深度学习》. The book teaches Keras.",
        ),
        _r(
            "cs230",
            "CS230: Deep Learning",
            "Andrew Ng, Kian Katanforoosh",
            2018,
            "course",
            "Stanford University",
            url="https://cs230.stanford.edu",
        ),
        _r(
            "dls",
            "Deep Learning Specialization",
            "Andrew Ng, Kian Katanforoosh, Younes Bensouda Mourri",
            2017,
            "course",
            "DeepLearning.AI, on Coursera",
            url="https://www.coursera.org/specializations/deep-learning",
        ),
        _r(
            "ud730",
            "Deep Learning (UD730)",
            "Vincent Vanhoucke (Google)",
            2016,
            "course",
            "Udacity",
            url="https://www.udacity.com/course/deep-learning--ud730",
            note="Google's free deep learning course on Udacity, with TensorFlow assignments.",
        ),
        _r(
            "arxiv",
            "arXiv",
            "Paul Ginsparg (founder)",
            1991,
            "preprint server",
            "founded at Los Alamos National Laboratory in 1991, run by Cornell University since "
            "2001; open-access preprints, not peer reviewed",
            url="https://arxiv.org",
        ),
        _r(
            "tensorflow_site",
            "TensorFlow",
            "Google",
            2015,
            "website",
            "tutorials and API documentation",
            url="https://www.tensorflow.org",
        ),
        _r(
            "pycharm",
            "PyCharm",
            "JetBrains",
            2010,
            "software",
            "Python IDE",
            url="https://www.jetbrains.com/pycharm/",
        ),
        _r(
            "vscode",
            "Visual Studio Code",
            "Microsoft",
            2015,
            "software",
            "code editor",
            url="https://code.visualstudio.com",
        ),
        # ---------------------------------------------------------------- papers the guide names
        _r(
            "lecun1988",
            "A Theoretical Framework for Back-Propagation",
            "Yann LeCun",
            1988,
            "paper",
            "Proceedings of the 1988 Connectionist Models Summer School, Morgan Kaufmann, pp. "
            "21–28",
            chapters=(4,),
        ),
        _r(
            "lecun2015",
            "Deep learning",
            "Yann LeCun, Yoshua Bengio, Geoffrey Hinton",
            2015,
            "paper",
            "Nature 521, 436–444",
            doi="10.1038/nature14539",
            chapters=(1,),
        ),
        _r(
            "krizhevsky2012",
            "ImageNet Classification with Deep Convolutional Neural Networks",
            "Alex Krizhevsky, Ilya Sutskever, Geoffrey E. Hinton",
            2012,
            "paper",
            "Advances in Neural Information Processing Systems 25 (NIPS 2012); reprinted in "
            "Communications of the ACM, 2017",
            doi="10.1145/3065386",
            chapters=(5,),
            note="The DOI is the 2017 reprint's; the NIPS proceedings have none.",
        ),
        _r(
            "brown2020",
            "Language Models are Few-Shot Learners",
            "Tom B. Brown et al.",
            2020,
            "paper",
            "Advances in Neural Information Processing Systems 33 (NeurIPS 2020)",
            arxiv="2005.14165",
            chapters=(2,),
            note="The GPT-3 paper.",
        ),
        _r(
            "wolf2020",
            "Transformers: State-of-the-Art Natural Language Processing",
            "Thomas Wolf et al.",
            2020,
            "paper",
            "Proceedings of EMNLP 2020: System Demonstrations",
            doi="10.18653/v1/2020.emnlp-demos.6",
            chapters=(2,),
            note="The Hugging Face library paper, not the architecture.",
        ),
        _r(
            "vaswani2017",
            "Attention Is All You Need",
            "Ashish Vaswani et al.",
            2017,
            "paper",
            "Advances in Neural Information Processing Systems 30 (NIPS 2017)",
            arxiv="1706.03762",
            chapters=(2,),
            note="The Transformer architecture.",
        ),
        _r(
            "devlin2019",
            "BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding",
            "Jacob Devlin, Ming-Wei Chang, Kenton Lee, Kristina Toutanova",
            2019,
            "paper",
            "Proceedings of NAACL-HLT 2019",
            doi="10.18653/v1/N19-1423",
            chapters=(2,),
        ),
        _r(
            "nayak2019",
            "Understanding searches better than ever before",
            "Pandu Nayak",
            2019,
            "blog post",
            "The Keyword (Google's blog), 25 October 2019",
            url="https://blog.google/products/search/search-language-understanding-bert/",
        ),
        _r(
            "toshev2014",
            "DeepPose: Human Pose Estimation via Deep Neural Networks",
            "Alexander Toshev, Christian Szegedy",
            2014,
            "paper",
            "CVPR 2014",
            arxiv="1312.4659",
        ),
        _r(
            "zheng2023",
            "Deep Learning-Based Human Pose Estimation: A Survey",
            "Ce Zheng et al.",
            2023,
            "paper",
            "ACM Computing Surveys 56(1)",
            arxiv="2012.13392",
        ),
        _r(
            "topol2019",
            "High-performance medicine: the convergence of human and artificial intelligence",
            "Eric J. Topol",
            2019,
            "paper",
            "Nature Medicine 25, 44–56",
            doi="10.1038/s41591-018-0300-7",
        ),
        # ---------------------------------------------------------------- tools and frameworks
        # (chapter 7)
        _r(
            "graham1982",
            "gprof: a Call Graph Execution Profiler",
            "Susan L. Graham, Peter B. Kessler, Marshall K. McKusick",
            1982,
            "paper",
            "Proceedings of the SIGPLAN '82 Symposium on Compiler Construction, pp. 120–126",
            doi="10.1145/800230.806987",
            chapters=(7,),
            note="The Berkeley Unix profiler for compiled programs. GNU gprof, the one in GNU "
            "binutils, was written by Jay Fenlason.",
        ),
        _r(
            "paszke2019",
            "PyTorch: An Imperative Style, High-Performance Deep Learning Library",
            "Adam Paszke et al.",
            2019,
            "paper",
            "Advances in Neural Information Processing Systems 32 (NeurIPS 2019)",
            arxiv="1912.01703",
            chapters=(3, 4, 5, 7),
        ),
        _r(
            "abadi2016tf",
            "TensorFlow: A System for Large-Scale Machine Learning",
            "Martín Abadi et al.",
            2016,
            "paper",
            "12th USENIX Symposium on Operating Systems Design and Implementation (OSDI 16)",
            arxiv="1605.08695",
            chapters=(7,),
        ),
        _r(
            "chollet2015",
            "Keras",
            "François Chollet and others",
            2015,
            "software",
            "first released in 2015 (0.x); Keras 1.0 in 2016; multi-backend again since Keras 3 "
            "(2023)",
            url="https://keras.io",
            chapters=(5, 7),
        ),
        _r(
            "bradbury2018",
            "JAX: composable transformations of Python+NumPy programs",
            "James Bradbury et al.",
            2018,
            "software",
            url="https://github.com/jax-ml/jax",
            chapters=(7,),
        ),
        _r(
            "theano2016",
            "Theano: A Python framework for fast computation of mathematical expressions",
            "The Theano Development Team",
            2016,
            "paper",
            "arXiv preprint",
            arxiv="1605.02688",
            chapters=(7,),
            note="The Keras 1 and 2 backend that the guide names; its development ended in 2017.",
        ),
        _r(
            "ansel2024",
            "PyTorch 2: Faster Machine Learning Through Dynamic Python Bytecode Transformation and "
            "Graph "
            "Compilation",
            "Jason Ansel et al.",
            2024,
            "paper",
            "Proceedings of ASPLOS 2024",
            doi="10.1145/3620665.3640366",
            chapters=(7, 9),
            note="torch.compile.",
        ),
        _r(
            "kluyver2016",
            "Jupyter Notebooks – a publishing format for reproducible computational workflows",
            "Thomas Kluyver et al.",
            2016,
            "paper",
            "Positioning and Power in Academic Publishing, IOS Press, pp. 87–90",
            doi="10.3233/978-1-61499-649-1-87",
            chapters=(1, 7),
        ),
        _r(
            "jupytext",
            "Jupytext: Jupyter notebooks as Markdown documents, Julia, Python or R scripts",
            "Marc Wouts",
            2018,
            "software",
            url="https://github.com/mwouts/jupytext",
            chapters=(1, 7),
        ),
        _r(
            "onnx",
            "ONNX: Open Neural Network Exchange",
            "The ONNX project (started by Facebook and Microsoft)",
            2017,
            "software",
            url="https://onnx.ai",
            chapters=(3,),
        ),
        # ---------------------------------------------------------------- chapters 2–5
        _r(
            "radford2019",
            "Language Models are Unsupervised Multitask Learners",
            "Alec Radford et al.",
            2019,
            "paper",
            "OpenAI technical report",
            chapters=(2, 3),
            note="GPT-2; published as a report, with no DOI or arXiv id: find it by its title.",
        ),
        _r(
            "touvron2023",
            "LLaMA: Open and Efficient Foundation Language Models",
            "Hugo Touvron et al.",
            2023,
            "paper",
            "arXiv preprint",
            arxiv="2302.13971",
            chapters=(2, 3),
        ),
        _r(
            "kaplan2020",
            "Scaling Laws for Neural Language Models",
            "Jared Kaplan et al.",
            2020,
            "paper",
            "arXiv preprint",
            arxiv="2001.08361",
            chapters=(2, 8),
            note="Training compute ≈ 6·N·D.",
        ),
        _r(
            "hoffmann2022",
            "Training Compute-Optimal Large Language Models",
            "Jordan Hoffmann et al.",
            2022,
            "paper",
            "Advances in Neural Information Processing Systems 35 (NeurIPS 2022)",
            arxiv="2203.15556",
            chapters=(2, 8),
        ),
        _r(
            "sennrich2016",
            "Neural Machine Translation of Rare Words with Subword Units",
            "Rico Sennrich, Barry Haddow, Alexandra Birch",
            2016,
            "paper",
            "Proceedings of ACL 2016",
            arxiv="1508.07909",
            chapters=(2,),
            note="Byte-pair encoding for tokenisation.",
        ),
        _r(
            "glorot2010",
            "Understanding the difficulty of training deep feedforward neural networks",
            "Xavier Glorot, Yoshua Bengio",
            2010,
            "paper",
            "Proceedings of AISTATS 2010, PMLR 9, pp. 249–256",
            chapters=(3, 5),
            url="https://proceedings.mlr.press/v9/glorot10a.html",
        ),
        _r(
            "he2015",
            "Delving Deep into Rectifiers: Surpassing Human-Level Performance on ImageNet "
            "Classification",
            "Kaiming He, Xiangyu Zhang, Shaoqing Ren, Jian Sun",
            2015,
            "paper",
            "ICCV 2015",
            arxiv="1502.01852",
            chapters=(3,),
        ),
        _r(
            "kingma2015",
            "Adam: A Method for Stochastic Optimization",
            "Diederik P. Kingma, Jimmy Ba",
            2015,
            "paper",
            "ICLR 2015",
            arxiv="1412.6980",
            chapters=(3, 5, 7, 9),
        ),
        _r(
            "prechelt1998",
            "Early Stopping — But When?",
            "Lutz Prechelt",
            1998,
            "paper",
            "Neural Networks: Tricks of the Trade, LNCS 1524, Springer, pp. 55–69",
            doi="10.1007/3-540-49430-8_3",
            chapters=(3,),
        ),
        _r(
            "street1993",
            "Nuclear feature extraction for breast tumor diagnosis",
            "W. Nick Street, William H. Wolberg, Olvi L. Mangasarian",
            1993,
            "paper",
            "IS&T/SPIE 1993 International Symposium on Electronic Imaging, vol. 1905, pp. 861–870",
            chapters=(3, 5, 9),
            note="The Breast Cancer Wisconsin (Diagnostic) data, bundled with scikit-learn.",
        ),
        _r(
            "rumelhart1986",
            "Learning representations by back-propagating errors",
            "David E. Rumelhart, Geoffrey E. Hinton, Ronald J. Williams",
            1986,
            "paper",
            "Nature 323, 533–536",
            doi="10.1038/323533a0",
            chapters=(4,),
        ),
        _r(
            "nair2010",
            "Rectified Linear Units Improve Restricted Boltzmann Machines",
            "Vinod Nair, Geoffrey E. Hinton",
            2010,
            "paper",
            "Proceedings of ICML 2010, pp. 807–814",
            chapters=(4,),
        ),
        _r(
            "hendrycks2016",
            "Gaussian Error Linear Units (GELUs)",
            "Dan Hendrycks, Kevin Gimpel",
            2016,
            "paper",
            "arXiv preprint",
            arxiv="1606.08415",
            chapters=(4,),
        ),
        _r(
            "baydin2018",
            "Automatic differentiation in machine learning: a survey",
            "Atılım Güneş Baydin, Barak A. Pearlmutter, Alexey Andreyevich Radul, Jeffrey Mark "
            "Siskind",
            2018,
            "paper",
            "Journal of Machine Learning Research 18(153), 1–43",
            arxiv="1502.05767",
            chapters=(4,),
        ),
        _r(
            "lecun1998",
            "Gradient-based learning applied to document recognition",
            "Yann LeCun, Léon Bottou, Yoshua Bengio, Patrick Haffner",
            1998,
            "paper",
            "Proceedings of the IEEE 86(11), 2278–2324",
            doi="10.1109/5.726791",
            chapters=(5,),
        ),
        _r(
            "alpaydin1998",
            "Optical Recognition of Handwritten Digits",
            "E. Alpaydin, C. Kaynak",
            1998,
            "data set",
            "UCI Machine Learning Repository",
            url="https://archive.ics.uci.edu/ml/datasets/optical+recognition+of+handwritten+digits",
            chapters=(5,),
            note="The 8×8 digits bundled with scikit-learn.",
        ),
        _r(
            "micikevicius2018",
            "Mixed Precision Training",
            "Paulius Micikevicius et al.",
            2018,
            "paper",
            "ICLR 2018",
            arxiv="1710.03740",
            chapters=(5, 9),
        ),
        _r(
            "pedregosa2011",
            "Scikit-learn: Machine Learning in Python",
            "Fabian Pedregosa et al.",
            2011,
            "paper",
            "Journal of Machine Learning Research 12, 2825–2830",
            arxiv="1201.0490",
            chapters=(3, 5, 6),
        ),
        _r(
            "jiang2023",
            "Mistral 7B",
            "Albert Q. Jiang et al.",
            2023,
            "paper",
            "arXiv preprint",
            arxiv="2310.06825",
            chapters=(2,),
        ),
        _r(
            "su2021",
            "RoFormer: Enhanced Transformer with Rotary Position Embedding",
            "Jianlin Su et al.",
            2021,
            "paper",
            "arXiv preprint (later Neurocomputing, 2024)",
            arxiv="2104.09864",
            chapters=(2,),
            note="Rotary position embeddings (RoPE), used by LLaMA and Mistral.",
        ),
        _r(
            "holtzman2020",
            "The Curious Case of Neural Text Degeneration",
            "Ari Holtzman et al.",
            2020,
            "paper",
            "International Conference on Learning Representations (ICLR 2020)",
            arxiv="1904.09751",
            chapters=(2,),
            note="Nucleus (top-p) sampling.",
        ),
        _r(
            "ainslie2023",
            "GQA: Training Generalized Multi-Query Transformer Models from Multi-Head Checkpoints",
            "Joshua Ainslie et al.",
            2023,
            "paper",
            "Empirical Methods in Natural Language Processing (EMNLP 2023)",
            arxiv="2305.13245",
            chapters=(2,),
            note="Grouped-query attention: fewer key/value heads, a smaller cache.",
        ),
        _r(
            "nvidia2022h100",
            "NVIDIA H100 Tensor Core GPU Datasheet",
            "NVIDIA",
            2022,
            "data sheet",
            "NVIDIA Corporation",
            chapters=(2,),
            note="H100 SXM: 80 GB HBM3, 3.35 TB/s, 989 TFLOP/s dense BF16 (1,979 with sparsity).",
        ),
        _r(
            "shen2020",
            "PowerNorm: Rethinking Batch Normalization in Transformers",
            "Sheng Shen et al.",
            2020,
            "paper",
            "International Conference on Machine Learning (ICML 2020)",
            arxiv="2003.07845",
            chapters=(3,),
            note="Batch statistics are unstable in NLP training; Transformers use layer norm.",
        ),
        _r(
            "korthikanti2022",
            "Reducing Activation Recomputation in Large Transformer Models",
            "Vijay Korthikanti et al.",
            2022,
            "paper",
            "arXiv preprint (MLSys 2023)",
            arxiv="2205.05198",
            chapters=(2,),
        ),
        _r(
            "minsky1969",
            "Perceptrons: An Introduction to Computational Geometry",
            "Marvin Minsky, Seymour Papert",
            1969,
            "book",
            "MIT Press",
            chapters=(3,),
            note="The XOR limit of a single layer.",
        ),
        _r(
            "polyak1964",
            "Some methods of speeding up the convergence of iteration methods",
            "Boris T. Polyak",
            1964,
            "paper",
            "USSR Computational Mathematics and Mathematical Physics 4(5), 1–17",
            doi="10.1016/0041-5553(64)90137-5",
            chapters=(3,),
            note="Momentum.",
        ),
        _r(
            "tieleman2012",
            "Lecture 6.5 — RMSProp: divide the gradient by a running average of its recent "
            "magnitude",
            "Tijmen Tieleman, Geoffrey Hinton",
            2012,
            "course",
            "Neural Networks for Machine Learning, Coursera",
            url="https://www.cs.toronto.edu/~tijmen/csc321/slides/lecture_slides_lec6.pdf",
            chapters=(3,),
            note="RMSProp was never published as a paper; this lecture is the usual citation.",
        ),
        _r(
            "pascanu2013",
            "On the difficulty of training recurrent neural networks",
            "Razvan Pascanu, Tomas Mikolov, Yoshua Bengio",
            2013,
            "paper",
            "Proceedings of ICML 2013",
            arxiv="1211.5063",
            chapters=(3,),
            note="Gradient clipping.",
        ),
        _r(
            "srivastava2014",
            "Dropout: A Simple Way to Prevent Neural Networks from Overfitting",
            "Nitish Srivastava et al.",
            2014,
            "paper",
            "Journal of Machine Learning Research 15, 1929–1958",
            url="https://jmlr.org/papers/v15/srivastava14a.html",
            chapters=(3,),
        ),
        _r(
            "ioffe2015",
            "Batch Normalization: Accelerating Deep Network Training by Reducing Internal "
            "Covariate Shift",
            "Sergey Ioffe, Christian Szegedy",
            2015,
            "paper",
            "Proceedings of ICML 2015",
            arxiv="1502.03167",
            chapters=(3,),
        ),
        _r(
            "ba2016",
            "Layer Normalization",
            "Jimmy Lei Ba, Jamie Ryan Kiros, Geoffrey E. Hinton",
            2016,
            "paper",
            "arXiv preprint",
            arxiv="1607.06450",
            chapters=(3,),
        ),
        _r(
            "loshchilov2017",
            "SGDR: Stochastic Gradient Descent with Warm Restarts",
            "Ilya Loshchilov, Frank Hutter",
            2017,
            "paper",
            "ICLR 2017",
            arxiv="1608.03983",
            chapters=(3,),
            note="Cosine learning-rate schedules.",
        ),
        _r(
            "loshchilov2019",
            "Decoupled Weight Decay Regularization",
            "Ilya Loshchilov, Frank Hutter",
            2019,
            "paper",
            "ICLR 2019",
            arxiv="1711.05101",
            chapters=(3,),
            note="AdamW.",
        ),
        _r(
            "zhang2019",
            "Root Mean Square Layer Normalization",
            "Biao Zhang, Rico Sennrich",
            2019,
            "paper",
            "Advances in Neural Information Processing Systems 32 (NeurIPS 2019)",
            arxiv="1910.07467",
            chapters=(3,),
        ),
        # ---------------------------------------------------------------- chapters 6, 8 and 9
        _r(
            "joulin2017",
            "Bag of Tricks for Efficient Text Classification",
            "Armand Joulin, Edouard Grave, Piotr Bojanowski, Tomas Mikolov",
            2017,
            "paper",
            "Proceedings of EACL 2017",
            arxiv="1607.01759",
            chapters=(6,),
            note="fastText; the preprint is from 2016.",
        ),
        _r(
            "platt1999",
            "Probabilistic Outputs for Support Vector Machines and Comparisons to Regularized "
            "Likelihood Methods",
            "John C. Platt",
            1999,
            "paper",
            "Advances in Large Margin Classifiers, MIT Press, pp. 61–74",
            chapters=(6,),
            note="Platt scaling.",
        ),
        _r(
            "pavlik2009",
            "Performance Factors Analysis – A New Alternative to Knowledge Tracing",
            "Philip I. Pavlik Jr., Hao Cen, Kenneth R. Koedinger",
            2009,
            "paper",
            "Proceedings of AIED 2009, IOS Press, pp. 531–538",
            chapters=(6,),
        ),
        _r(
            "rajbhandari2020",
            "ZeRO: Memory Optimizations Toward Training Trillion Parameter Models",
            "Samyam Rajbhandari et al.",
            2020,
            "paper",
            "Proceedings of SC20",
            arxiv="1910.02054",
            chapters=(8,),
        ),
        _r(
            "zhao2023",
            "PyTorch FSDP: Experiences on Scaling Fully Sharded Data Parallel",
            "Yanli Zhao et al.",
            2023,
            "paper",
            "Proceedings of the VLDB Endowment 16(12)",
            arxiv="2304.11277",
            chapters=(8,),
        ),
        _r(
            "dwork2014",
            "The Algorithmic Foundations of Differential Privacy",
            "Cynthia Dwork, Aaron Roth",
            2014,
            "book",
            "Foundations and Trends in Theoretical Computer Science 9(3–4), 211–407",
            doi="10.1561/0400000042",
            chapters=(8,),
        ),
        _r(
            "bonawitz2017",
            "Practical Secure Aggregation for Privacy-Preserving Machine Learning",
            "Keith Bonawitz et al.",
            2017,
            "paper",
            "Proceedings of ACM CCS 2017",
            doi="10.1145/3133956.3133982",
            chapters=(8,),
        ),
        _r(
            "beutel2020",
            "Flower: A Friendly Federated Learning Research Framework",
            "Daniel J. Beutel et al.",
            2020,
            "paper",
            "arXiv preprint",
            arxiv="2007.14390",
            chapters=(8,),
        ),
        _r(
            "geiping2020",
            "Inverting Gradients – How easy is it to break privacy in federated learning?",
            "Jonas Geiping, Hartmut Bauermeister, Hannah Dröge, Michael Moeller",
            2020,
            "paper",
            "Advances in Neural Information Processing Systems 33 (NeurIPS 2020)",
            arxiv="2003.14053",
            chapters=(8,),
        ),
        _r(
            "zeiler2014",
            "Visualizing and Understanding Convolutional Networks",
            "Matthew D. Zeiler, Rob Fergus",
            2014,
            "paper",
            "ECCV 2014",
            arxiv="1311.2901",
            chapters=(8,),
            note="Occlusion.",
        ),
        _r(
            "adebayo2018",
            "Sanity Checks for Saliency Maps",
            "Julius Adebayo et al.",
            2018,
            "paper",
            "Advances in Neural Information Processing Systems 31 (NeurIPS 2018)",
            arxiv="1810.03292",
            chapters=(8,),
        ),
        _r(
            "koren2009",
            "Matrix Factorization Techniques for Recommender Systems",
            "Yehuda Koren, Robert Bell, Chris Volinsky",
            2009,
            "paper",
            "Computer 42(8), 30–37",
            doi="10.1109/MC.2009.263",
            chapters=(6,),
        ),
        _r(
            "corbett1994",
            "Knowledge tracing: Modeling the acquisition of procedural knowledge",
            "Albert T. Corbett, John R. Anderson",
            1994,
            "paper",
            "User Modeling and User-Adapted Interaction 4, 253–278",
            doi="10.1007/BF01099821",
            chapters=(6,),
            note="Bayesian knowledge tracing; often cited as 1995.",
        ),
        _r(
            "piech2015",
            "Deep Knowledge Tracing",
            "Chris Piech et al.",
            2015,
            "paper",
            "Advances in Neural Information Processing Systems 28 (NIPS 2015)",
            arxiv="1506.05908",
            chapters=(6,),
        ),
        _r(
            "dwork2006",
            "Calibrating Noise to Sensitivity in Private Data Analysis",
            "Cynthia Dwork, Frank McSherry, Kobbi Nissim, Adam Smith",
            2006,
            "paper",
            "Theory of Cryptography (TCC 2006)",
            doi="10.1007/11681878_14",
            chapters=(8, 9),
            note="Differential privacy.",
        ),
        _r(
            "abadi2016dp",
            "Deep Learning with Differential Privacy",
            "Martín Abadi et al.",
            2016,
            "paper",
            "Proceedings of ACM CCS 2016",
            doi="10.1145/2976749.2978318",
            chapters=(8, 9),
            note="DP-SGD.",
        ),
        _r(
            "mcmahan2017",
            "Communication-Efficient Learning of Deep Networks from Decentralized Data",
            "H. Brendan McMahan et al.",
            2017,
            "paper",
            "Proceedings of AISTATS 2017",
            arxiv="1602.05629",
            chapters=(8, 9),
            note="Federated averaging (FedAvg).",
        ),
        _r(
            "zhu2019",
            "Deep Leakage from Gradients",
            "Ligeng Zhu, Zhijian Liu, Song Han",
            2019,
            "paper",
            "Advances in Neural Information Processing Systems 32 (NeurIPS 2019)",
            arxiv="1906.08935",
            chapters=(8, 9),
        ),
        _r(
            "yousefpour2021",
            "Opacus: User-Friendly Differential Privacy Library in PyTorch",
            "Ashkan Yousefpour et al.",
            2021,
            "paper",
            "arXiv preprint",
            arxiv="2109.12298",
            chapters=(8,),
        ),
        _r(
            "li2020",
            "PyTorch Distributed: Experiences on Accelerating Data Parallel Training",
            "Shen Li et al.",
            2020,
            "paper",
            "Proceedings of the VLDB Endowment 13(12)",
            arxiv="2006.15704",
            chapters=(8,),
        ),
        _r(
            "sundararajan2017",
            "Axiomatic Attribution for Deep Networks",
            "Mukund Sundararajan, Ankur Taly, Qiqi Yan",
            2017,
            "paper",
            "Proceedings of ICML 2017",
            arxiv="1703.01365",
            chapters=(8, 9),
            note="Integrated Gradients.",
        ),
        _r(
            "simonyan2014",
            "Deep Inside Convolutional Networks: Visualising Image Classification Models and "
            "Saliency Maps",
            "Karen Simonyan, Andrea Vedaldi, Andrew Zisserman",
            2014,
            "paper",
            "ICLR 2014 workshop",
            arxiv="1312.6034",
            chapters=(8,),
        ),
        _r(
            "breiman2001",
            "Random Forests",
            "Leo Breiman",
            2001,
            "paper",
            "Machine Learning 45, 5–32",
            doi="10.1023/A:1010933404324",
            chapters=(8,),
            note="Introduces permutation importance.",
        ),
        _r(
            "kokhlikyan2020",
            "Captum: A unified and generic model interpretability library for PyTorch",
            "Narine Kokhlikyan et al.",
            2020,
            "paper",
            "arXiv preprint",
            arxiv="2009.07896",
            chapters=(8,),
        ),
        _r(
            "ribeiro2016",
            '"Why Should I Trust You?": Explaining the Predictions of Any Classifier',
            "Marco Tulio Ribeiro, Sameer Singh, Carlos Guestrin",
            2016,
            "paper",
            "Proceedings of ACM KDD 2016",
            arxiv="1602.04938",
            chapters=(9,),
            note="LIME.",
        ),
        _r(
            "lundberg2017",
            "A Unified Approach to Interpreting Model Predictions",
            "Scott M. Lundberg, Su-In Lee",
            2017,
            "paper",
            "Advances in Neural Information Processing Systems 30 (NIPS 2017)",
            arxiv="1705.07874",
            chapters=(9,),
            note="SHAP.",
        ),
        _r(
            "guo2020gluon",
            "GluonCV and GluonNLP: Deep Learning in Computer Vision and Natural Language "
            "Processing",
            "Jian Guo et al.",
            2020,
            "paper",
            "Journal of Machine Learning Research 21(23), 1–7",
            arxiv="1907.04433",
            chapters=(9,),
            note="GluonCV is a computer-vision model toolkit on Apache MXNet.",
        ),
        _r(
            "han2015",
            "Learning both Weights and Connections for Efficient Neural Networks",
            "Song Han, Jeff Pool, John Tran, William J. Dally",
            2015,
            "paper",
            "Advances in Neural Information Processing Systems 28 (NIPS 2015)",
            arxiv="1506.02626",
            chapters=(8, 9),
            note="Magnitude pruning.",
        ),
        _r(
            "jacob2018",
            "Quantization and Training of Neural Networks for Efficient Integer-Arithmetic-Only "
            "Inference",
            "Benoit Jacob et al.",
            2018,
            "paper",
            "CVPR 2018",
            arxiv="1712.05877",
            chapters=(8, 9),
        ),
        _r(
            "goyal2017",
            "Accurate, Large Minibatch SGD: Training ImageNet in 1 Hour",
            "Priya Goyal et al.",
            2017,
            "paper",
            "arXiv preprint",
            arxiv="1706.02677",
            chapters=(3, 9),
            note="Scaling the learning rate with the batch size.",
        ),
    ]
)


GUIDE_LIST: list[GuideEntry] = [
    GuideEntry(
        "§7.1.1 #1, §10.1 #1",
        "《深度学习》（Deep Learning）：Ian Goodfellow、Yoshua Bengio和Aaron Courville",
        "verified",
        ("goodfellow2016",),
    ),
    GuideEntry(
        "§7.1.1 #2, §10.1 #2",
        "《Python深度学习》（Python Deep Learning）：François Chollet",
        "corrected",
        ("chollet2017",),
        "The English title is Deep Learning with Python; "
        "《Python深度学习》 is its Chinese edition. It teaches Keras.",
    ),
    GuideEntry(
        "§7.1.1 #3, §10.1 #3",
        "《AI大模型技术全栈工程师之路》（The AI Full-Stack Engineer's Roadmap）"
        "：AI大模型领域专家著",
        "unverifiable",
        (),
        "Names no author, publisher or year, and no book of this title could be found. "
        "Do not cite it.",
    ),
    GuideEntry(
        "§7.1.2 #1, §10.2 #1",
        "斯坦福大学深度学习课程：由Andrew Ng教授讲授",
        "verified",
        ("cs230",),
        "The guide gives no course number: it is CS230, which Andrew Ng co-teaches with Kian "
        "Katanforoosh.",
    ),
    GuideEntry(
        "§7.1.2 #2, §10.2 #2",
        "谷歌AI学院深度学习课程：由Google AI团队开设",
        "corrected",
        ("ud730",),
        "No course of this name exists. The Google deep learning course it most likely means is "
        "“Deep Learning” on Udacity (UD730, 2016), taught by Vincent Vanhoucke of Google.",
    ),
    GuideEntry(
        "§7.1.2 #3, §10.2 #3",
        "吴恩达深度学习专项课程：由吴恩达教授讲授",
        "verified",
        ("dls",),
        "Its English name is the Deep Learning Specialization (DeepLearning.AI, on Coursera).",
    ),
    GuideEntry(
        "§7.1.3 #1, §10.3 #1",
        "Medium上的深度学习博客",
        "not a reference",
        (),
        "Medium is a publishing platform with articles of every quality; cite a specific article, "
        "not the site.",
    ),
    GuideEntry(
        "§7.1.3 #2, §10.3 #2",
        "ArXiv：深度学习领域的顶级学术期刊",
        "corrected",
        ("arxiv",),
        "arXiv is a preprint server, not a journal: moderators screen submissions, but nothing is "
        "peer reviewed.",
    ),
    GuideEntry("§7.1.3 #3, §10.3 #3", "TensorFlow官网", "verified", ("tensorflow_site",)),
    GuideEntry("§7.2.1 #1", "PyCharm", "verified", ("pycharm",)),
    GuideEntry("§7.2.1 #2", "VSCode", "verified", ("vscode",)),
    GuideEntry(
        "§7.2.1 #3",
        "Jupyter Notebook",
        "verified",
        ("kluyver2016",),
        "This course uses JupyterLab with Jupytext (chapter 7).",
    ),
    GuideEntry(
        "§7.2.2 #1",
        "TensorBoard：TensorFlow提供的可视化工具",
        "verified",
        (),
        "It reads event files that torch.utils.tensorboard writes too (chapter 7).",
    ),
    GuideEntry(
        "§7.2.2 #2",
        "gprof：…用于诊断和优化深度学习模型的性能",
        "corrected",
        ("graham1982",),
        "gprof profiles compiled C programs, not models; use torch.profiler (chapter 7).",
    ),
    GuideEntry(
        "§7.2.2 #3",
        "WMLC：微软开源的深度学习性能分析工具",
        "unverifiable",
        (),
        "Names no known Microsoft tool.",
    ),
    GuideEntry("§7.2.3 #1", "TensorFlow", "verified", ("abadi2016tf",)),
    GuideEntry(
        "§7.2.3 #2",
        "PyTorch：一款由Facebook开源的深度学习框架",
        "verified",
        ("paszke2019",),
        "Since 2022 it is governed by the PyTorch Foundation (Linux Foundation).",
    ),
    GuideEntry(
        "§7.2.3 #3",
        "Keras：…基于TensorFlow和Theano",
        "corrected",
        ("chollet2015", "theano2016"),
        "Keras 3 runs on JAX, TensorFlow or PyTorch; Theano is no longer developed (chapter 7 runs "
        "Keras on torch).",
    ),
    GuideEntry(
        "§7.3.1 #1, §10.4 #1",
        "“A Theoretical Framework for Back-Propagation”",
        "corrected",
        ("lecun1988",),
        "The guide gives no author or year: Yann LeCun, 1988.",
    ),
    GuideEntry(
        "§7.3.1 #2, §10.4 #2",
        "“Deep Learning”：深度学习领域的经典综述论文",
        "corrected",
        ("lecun2015",),
        "The guide gives no author or year: LeCun, Bengio and Hinton's 2015 review in Nature.",
    ),
    GuideEntry(
        "§7.3.1 #3, §10.4 #3",
        "“AlexNet: Image Classification with Deep Convolutional Neural Networks”",
        "corrected",
        ("krizhevsky2012",),
        "The title is “ImageNet Classification with Deep Convolutional Neural Networks”.",
    ),
    GuideEntry(
        "§7.3.2 #1",
        "“Large-scale Language Modeling”：介绍了GPT-3等大型语言模型",
        "corrected",
        ("brown2020",),
        "GPT-3's paper is “Language Models are Few-Shot Learners”.",
    ),
    GuideEntry(
        "§7.3.2 #2",
        "“Transformers: State-of-the-Art Natural Language Processing”：Transformer结构",
        "verified",
        ("wolf2020", "vaswani2017"),
        "A real title, the Hugging Face library paper, which the guide glosses fairly as the "
        "Transformer's success in NLP. The architecture's own paper is “Attention Is All You "
        "Need”.",
    ),
    GuideEntry(
        "§7.3.2 #3",
        "“BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding”",
        "verified",
        ("devlin2019",),
    ),
    GuideEntry(
        "§7.3.3 #1",
        "“Google Search with BERT”",
        "corrected",
        ("nayak2019",),
        "A 2019 blog post by Pandu Nayak, not a paper.",
    ),
    GuideEntry(
        "§7.3.3 #2",
        "“Deep Learning for Human Pose Estimation”",
        "unverifiable",
        ("toshev2014", "zheng2023"),
        "No work of exactly this title could be identified; the closest are DeepPose and a survey.",
    ),
    GuideEntry(
        "§7.3.3 #3",
        "“AI in Healthcare: Applications and Challenges”",
        "unverifiable",
        ("topol2019",),
        "A generic title shared by many articles; no single work could be identified. A well-known "
        "review instead.",
    ),
]


# Text installed on this machine that names a work: (reference key, where, how to get the text, what
# to look for)
INSTALLED_EVIDENCE: list[tuple[str, str, str, str]] = [
    ("kingma2015", "torch.optim.Adam's docstring", "torch.optim:Adam.__doc__", "1412.6980"),
    (
        "vaswani2017",
        "torch.nn.MultiheadAttention's docstring",
        "torch.nn:MultiheadAttention.__doc__",
        "1706.03762",
    ),
    (
        "hendrycks2016",
        "torch.nn.functional.gelu's docstring",
        "torch.nn.functional:gelu.__doc__",
        "1606.08415",
    ),
    (
        "glorot2010",
        "torch.nn.init.xavier_uniform_'s docstring",
        "torch.nn.init:xavier_uniform_.__doc__",
        "Glorot, X. & Bengio, Y. (2010)",
    ),
    (
        "he2015",
        "torch.nn.init.kaiming_normal_'s docstring",
        "torch.nn.init:kaiming_normal_.__doc__",
        "He, K. et al. (2015)",
    ),
    (
        "street1993",
        "scikit-learn's breast cancer description",
        "sklearn.datasets:load_breast_cancer().DESCR",
        "Nuclear feature extraction for breast tumor diagnosis",
    ),
    (
        "alpaydin1998",
        "scikit-learn's digits description",
        "sklearn.datasets:load_digits().DESCR",
        "E. Alpaydin",
    ),
    (
        "sundararajan2017",
        "captum's IntegratedGradients docstring",
        "captum.attr:IntegratedGradients.__doc__",
        "1703.01365",
    ),
    ("simonyan2014", "captum's Saliency docstring", "captum.attr:Saliency.__doc__", "1312.6034"),
]


def installed_text(spec: str) -> str:
    """The text at `module:attr.attr`, where an `attr()` part is called (e.g.
    'sklearn.datasets:load_digits().DESCR'), with runs of white space (line breaks included)
    collapsed to one space."""
    module_name, _, path = spec.partition(":")
    value = importlib.import_module(module_name)
    for part in path.split("."):
        called = part.endswith("()")
        value = getattr(value, part.removesuffix("()"))
        if called:
            value = value()
    return " ".join((value or "").split())


_ARXIV = re.compile(r"^(?:arXiv:)?(\d{2})(\d{2})\.(\d{4,5})(?:v\d+)?$")
_DOI = re.compile(r"^10\.\d{4,9}/\S+$")
_ISBN = re.compile(r"^(97[89])-?(\d-?){9}\d$")


def arxiv_year(identifier: str) -> tuple[int, int]:
    """(year, month) of a new-style arXiv identifier 'YYMM.NNNNN' (from April 2007), with or without
    'arXiv:' and 'vN'."""
    match = _ARXIV.match(identifier.strip())
    if not match:
        raise ValueError(
            f"{identifier!r} is not a new-style arXiv identifier like '1706.03762' or "
            "'arXiv:1706.03762v7'"
        )
    year, month = 2000 + int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12:
        raise ValueError(
            f"{identifier!r} has month {month:02d}; the digits after the year are a month, 01 to 12"
        )
    return year, month


def problems(ref: Reference) -> list[str]:
    """What is missing or malformed in one entry (empty when it is well formed)."""
    found = []
    if not ref.title.strip():
        found.append("no title")
    if not ref.authors.strip():
        found.append("no authors")
    if not isinstance(ref.year, int) or not 1900 <= ref.year <= 2030:
        found.append(f"year {ref.year!r} is not a year")
    if not ref.identifier:
        if ref.kind in (
            "course",
            "website",
            "software",
            "blog post",
            "preprint server",
            "data set",
        ):
            found.append("no identifier (a URL at least): it can only be found online")
        elif not ref.venue:
            found.append("neither an identifier nor a venue (journal, proceedings or publisher)")
    if ref.doi and not _DOI.match(ref.doi):
        found.append(f"malformed DOI {ref.doi!r}")
    if ref.isbn and not _ISBN.match(ref.isbn):
        found.append(f"malformed ISBN {ref.isbn!r}")
    if ref.arxiv:
        try:
            posted, _ = arxiv_year(ref.arxiv)
        except ValueError as error:
            found.append(str(error))
        else:
            # venues lag the preprint by up to a few years
            if not posted - 1 <= ref.year <= posted + 3:
                found.append(f"cited year {ref.year} but posted to arXiv in {posted}")
    return found


def guide_counts(entries: list[GuideEntry] = GUIDE_LIST) -> dict[str, int]:
    """How many of the guide's entries have each status."""
    return {status: sum(e.status == status for e in entries) for status in STATUSES}


def cite(ref: Reference) -> str:
    """One line: authors (year). Title. Venue. Identifier."""
    parts = [f"{ref.authors} ({ref.year}). *{ref.title}*."]
    if ref.venue:
        parts.append(f"{ref.venue}.")
    if ref.identifier:
        parts.append(ref.identifier)
    return " ".join(parts)


def guide_table(
    entries: list[GuideEntry] = GUIDE_LIST, refs: dict[str, Reference] = REFERENCES
) -> str:
    """Markdown: each guide entry, its status, the real work and the correction."""
    rows = ["| where | the guide cites | status | the real work | note |", "|---|---|---|---|---|"]
    for e in entries:
        works = "<br>".join(cite(refs[k]) for k in e.keys) or "—"
        rows.append(f"| {e.where} | {e.as_cited} | {e.status} | {works} | {e.correction} |")
    return "\n".join(rows)


def by_chapter(refs: dict[str, Reference] = REFERENCES) -> dict[int, list[Reference]]:
    """The works each course chapter relies on, sorted by year."""
    chapters: dict[int, list[Reference]] = {}
    for ref in refs.values():
        for chapter in ref.chapters:
            chapters.setdefault(chapter, []).append(ref)
    return {c: sorted(rs, key=lambda r: (r.year, r.key)) for c, rs in sorted(chapters.items())}
