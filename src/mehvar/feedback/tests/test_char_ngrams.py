"""The model's character n-grams cut once per word are the vectoriser's own matrix."""

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from mehvar.feedback.char_ngrams import WordPieces
from mehvar.feedback.corpus import corpus_examples
from mehvar.feedback.features import feature_text

ODD = [
    "",
    " ",
    "a",
    "ab",
    "یک",
    "خیلی   خوب\tبود\nممنون",
    "خوب خوب خوب",  # the same word three times: counts, not presence
    "؟ ! 0 _emopos",
    "کلمه‌ای-با-خط‌تیره و zwnj",
]


def _vectoriser(ngrams=(1, 5), **options) -> TfidfVectorizer:
    settings = {"analyzer": "char_wb", "lowercase": False, "sublinear_tf": True, "dtype": np.float32}
    return TfidfVectorizer(ngram_range=ngrams, min_df=2, **(settings | options))


@pytest.fixture(scope="module")
def prepared():
    return [feature_text(example.text) for example in corpus_examples()]


@pytest.mark.parametrize("ngrams", [(1, 5), (2, 4), (3, 3)])
def test_the_matrix_is_the_vectorisers_own(prepared, ngrams):
    vectoriser = _vectoriser(ngrams).fit(prepared[::2])
    documents = prepared[1::2] + ODD
    ours = WordPieces(vectoriser).transform(documents)
    theirs = vectoriser.transform(documents)
    assert ours.shape == theirs.shape
    assert ours.dtype == theirs.dtype
    assert (ours != theirs).nnz == 0
    assert theirs.nnz > 100_000  # real text, not a comparison of empty rows


def test_a_word_seen_again_is_not_cut_again(prepared):
    pieces = WordPieces(_vectoriser().fit(prepared[:500]))
    pieces.transform(["خیلی خوب بود"])
    assert set(pieces._columns) == {"خیلی", "خوب", "بود"}
    kept = pieces._columns["خوب"]
    pieces.transform(["خوب"])
    assert pieces._columns["خوب"] is kept


@pytest.mark.parametrize(
    "options",
    [{"analyzer": "char"}, {"lowercase": True}, {"sublinear_tf": False}, {"norm": "l1"}, {"use_idf": False}],
)
def test_other_vectorisers_are_left_to_scikit_learn(prepared, options):
    vectoriser = _vectoriser(**options).fit(prepared[:200])
    assert not WordPieces.fits(vectoriser)
    with pytest.raises(ValueError):
        WordPieces(vectoriser)


def test_the_model_reads_its_characters_through_the_pieces(prepared):
    from mehvar.feedback.training import train_model

    examples = corpus_examples()[:600]
    model = train_model(examples)
    texts = [feature_text(example.text) for example in examples[:50]]
    assert (model.char_matrix(texts) != model.char.transform(texts)).nnz == 0
    assert model.__dict__.get("_pieces") is not None
    assert "_pieces" not in model.__getstate__()
