"""The n-gram bag classifier: n-grams, vocabulary from training texts, EmbeddingBag inputs, and it
learns."""

import numpy as np
import torch

from utils.ch06.text_classifier import (
    UNKNOWN,
    NgramBagClassifier,
    build_vocabulary,
    char_ngrams,
    encode,
    predict_ngram_bag,
    train_ngram_bag,
)


def test_char_ngrams_lists_unigrams_then_bigrams():
    assert char_ngrams("好书啊", 2) == ["好", "书", "啊", "好书", "书啊"]
    assert char_ngrams("", 2) == []


def test_vocabulary_keeps_ngrams_seen_in_enough_texts_and_reserves_zero():
    vocabulary = build_vocabulary(["好书", "好书", "差"], n_max=2, min_count=2)
    assert set(vocabulary) == {"好", "书", "好书"}
    assert sorted(vocabulary.values()) == [1, 2, 3]


def test_encode_gives_flat_ids_and_offsets_with_unknowns_and_empty_texts():
    vocabulary = {"好": 1, "书": 2}
    ids, offsets = encode(["好书", "", "差"], vocabulary, n_max=1)
    assert ids.tolist() == [1, 2, UNKNOWN, UNKNOWN]
    assert offsets.tolist() == [0, 2, 3]


def test_unknown_ngrams_add_nothing_to_the_mean():
    torch.manual_seed(0)
    model = NgramBagClassifier(5, dim=4)
    a = model(torch.tensor([1, 2]), torch.tensor([0]))
    b = model(torch.tensor([1, 2, UNKNOWN, UNKNOWN]), torch.tensor([0]))
    torch.testing.assert_close(a, b)


def test_the_classifier_learns_a_separable_toy_task():
    texts = ["好好好", "很好", "好的", "差差", "很差", "差的"] * 20
    labels = np.array([1, 1, 1, 0, 0, 0] * 20)
    vocabulary = build_vocabulary(texts, min_count=1)
    ids, offsets = encode(texts, vocabulary)
    torch.manual_seed(0)
    model = NgramBagClassifier(len(vocabulary) + 1, dim=8)
    losses = train_ngram_bag(
        model, ids, offsets, labels, epochs=15, batch_size=16, lr=5e-2, progress=False
    )
    assert losses[-1] < losses[0] / 3
    assert np.mean((predict_ngram_bag(model, ids, offsets) > 0.5) == labels) == 1.0
