"""The model's character n-grams, as scikit-learn's ``char_wb`` vectoriser reads them, cut once per word.

The character vectoriser's ``transform`` was a third of the time the model spends on a comment: it cuts every
word into its 1…5-letter pieces in Python and looks each piece up, for every comment again. A word's pieces
never depend on its neighbours (``char_wb`` pads each word with a space and never crosses into the next), so
``WordPieces`` keeps, per distinct word, the columns of its pieces, and a comment costs one lookup per word;
the words of customer comments repeat (a few thousand cover most of any batch). The matrix is the
vectoriser's own: the same columns and counts, then its sublinear tf, idf and l2 norm
(``tests/test_char_ngrams.py`` compares the two on the corpus).

Only the configuration the model uses is read this way (``char_wb``, no lower-casing or accent stripping,
sublinear tf, idf, l2); ``WordPieces.fits`` says whether a vectoriser is one, and the model falls back to
the vectoriser's own ``transform`` when it is not.
"""

from collections import Counter
from collections.abc import Sequence

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

MAX_WORDS_KEPT = 50_000  # distinct words remembered (≈ 20 MB); past it the memory starts again


def plain_tfidf(vectorizer: TfidfVectorizer) -> bool:
    """A fitted vectoriser that reads text as given (no lower-casing, accent stripping or preprocessor) and
    weighs it with sublinear tf, idf and the l2 norm: what the model's own readings reproduce."""
    return (
        not vectorizer.lowercase
        and vectorizer.preprocessor is None
        and vectorizer.strip_accents is None
        and vectorizer.input == "content"
        and vectorizer.sublinear_tf
        and vectorizer.use_idf
        and vectorizer.norm == "l2"
        and not vectorizer.binary
        and hasattr(vectorizer, "idf_")
    )


class WordPieces:
    """``TfidfVectorizer.transform`` for a fitted ``char_wb`` vectoriser, with each word's columns kept."""

    def __init__(self, vectorizer: TfidfVectorizer) -> None:
        if not self.fits(vectorizer):
            raise ValueError("WordPieces reads char_wb vectorisers with sublinear tf, idf and l2 only")
        self.vocabulary: dict[str, int] = vectorizer.vocabulary_
        self.idf = np.asarray(vectorizer.idf_)
        self.dtype = vectorizer.dtype
        self.min_n, self.max_n = vectorizer.ngram_range
        self._columns: dict[str, tuple[int, ...]] = {}

    @staticmethod
    def fits(vectorizer: TfidfVectorizer) -> bool:
        return vectorizer.analyzer == "char_wb" and plain_tfidf(vectorizer)

    def columns(self, word: str) -> tuple[int, ...]:
        """The vocabulary's columns of the word's pieces, one per piece (a piece twice is there twice)."""
        kept = self._columns.get(word)
        if kept is not None:
            return kept
        padded = f" {word} "
        length = len(padded)
        pieces: list[str] = []
        for n in range(self.min_n, self.max_n + 1):
            if n >= length:  # the whole padded word, once, as scikit-learn counts a short word
                pieces.append(padded)
                break
            pieces += [padded[i : i + n] for i in range(length - n + 1)]
        get = self.vocabulary.get
        found = tuple(column for column in map(get, pieces) if column is not None)
        if len(self._columns) >= MAX_WORDS_KEPT:
            self._columns = {}
        self._columns[word] = found
        return found

    def transform(self, documents: Sequence[str]) -> sparse.csr_matrix:
        indices: list[int] = []
        counts: list[int] = []
        indptr = [0]
        for document in documents:
            row: Counter[int] = Counter()
            for word in document.split():
                row.update(self.columns(word))
            ordered = sorted(row)
            indices += ordered
            counts += [row[column] for column in ordered]
            indptr.append(len(indices))
        matrix = sparse.csr_matrix(
            (
                np.asarray(counts, dtype=self.dtype),
                np.asarray(indices, dtype=np.int32),
                np.asarray(indptr, dtype=np.int64),
            ),
            shape=(len(documents), len(self.vocabulary)),
        )
        np.log(matrix.data, matrix.data)
        matrix.data += 1
        matrix.data *= self.idf[matrix.indices]
        return normalize(matrix, norm="l2", copy=False)
