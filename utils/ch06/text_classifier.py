"""A small neural text classifier: each text is the bag of its character n-grams, each n-gram an
embedding, the text the mean of them, and one linear layer gives the logit (the fastText recipe,
Joulin et al., 2016)."""

from __future__ import annotations

from collections import Counter

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

from utils.i18n import _

UNKNOWN = 0  # id of an n-gram the training texts did not contain (often enough)


def char_ngrams(text: str, n_max: int = 2) -> list[str]:
    """All character n-grams of `text` for n = 1 … n_max, in order (unigrams first)."""
    return [text[i : i + n] for n in range(1, n_max + 1) for i in range(len(text) - n + 1)]


def build_vocabulary(texts, n_max: int = 2, min_count: int = 2) -> dict[str, int]:
    """Ids 1, 2, … for the n-grams that occur in at least `min_count` of the (training) texts; 0 is
    unknown."""
    counts = Counter(g for text in texts for g in set(char_ngrams(text, n_max)))
    kept = sorted(g for g, c in counts.items() if c >= min_count)
    return {g: i + 1 for i, g in enumerate(kept)}


def encode(texts, vocabulary: dict[str, int], n_max: int = 2) -> tuple[torch.Tensor, torch.Tensor]:
    """The texts as one flat tensor of n-gram ids and the offset where each text starts
    (EmbeddingBag's input). An empty text becomes the single id 0, so every text has at least one
    id."""
    ids: list[int] = []
    offsets: list[int] = []
    for text in texts:
        offsets.append(len(ids))
        ids.extend([vocabulary.get(g, UNKNOWN) for g in char_ngrams(text, n_max)] or [UNKNOWN])
    return torch.tensor(ids, dtype=torch.int64), torch.tensor(offsets, dtype=torch.int64)


class NgramBagClassifier(nn.Module):
    """Mean of the n-gram embeddings (the unknown id contributes nothing), then a linear layer to
    one logit."""

    def __init__(self, vocabulary_size: int, dim: int = 16):
        super().__init__()
        self.embed = nn.EmbeddingBag(vocabulary_size, dim, mode="mean", padding_idx=UNKNOWN)
        self.out = nn.Linear(dim, 1)

    def forward(self, ids: torch.Tensor, offsets: torch.Tensor) -> torch.Tensor:
        return self.out(self.embed(ids, offsets)).squeeze(1)


def _batch(ids, offsets, lengths, rows):
    """The flat ids and offsets of the texts `rows` (a 1-D index tensor)."""
    starts, sizes = offsets[rows], lengths[rows]
    flat = torch.cat([ids[s : s + n] for s, n in zip(starts.tolist(), sizes.tolist())])
    batch_offsets = torch.zeros(len(rows), dtype=torch.int64)
    batch_offsets[1:] = sizes[:-1].cumsum(0)
    return flat, batch_offsets


def train_ngram_bag(
    model,
    ids,
    offsets,
    y,
    *,
    epochs: int = 4,
    batch_size: int = 256,
    lr: float = 2e-2,
    device="cpu",
    seed: int = 0,
    progress: bool = True,
) -> list[float]:
    """Adam on the mean binary cross-entropy, shuffled mini-batches of texts; returns the mean loss
    of each epoch."""
    device = torch.device(device)
    model.to(device)
    lengths = torch.diff(offsets, append=torch.tensor([len(ids)]))
    y = torch.as_tensor(np.asarray(y), dtype=torch.float32)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    generator = torch.Generator().manual_seed(seed)
    history = []
    bar = tqdm(range(epochs), desc=_("n-gram bag"), unit="epoch", disable=not progress)
    for _epoch in bar:
        model.train()
        total = torch.zeros((), device=device)
        for rows in torch.randperm(len(offsets), generator=generator).split(batch_size):
            flat, batch_offsets = _batch(ids, offsets, lengths, rows)
            loss = F.binary_cross_entropy_with_logits(
                model(flat.to(device), batch_offsets.to(device)), y[rows].to(device)
            )
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total += loss.detach() * len(rows)
        history.append(total.item() / len(offsets))
    model.eval()
    return history


@torch.no_grad()
def predict_ngram_bag(model, ids, offsets) -> np.ndarray:
    """P(label 1) for each encoded text, as a NumPy array."""
    device = next(model.parameters()).device
    model.eval()
    return torch.sigmoid(model(ids.to(device), offsets.to(device))).float().cpu().numpy()
