"""The model's scores for one comment, straight from its vocabularies, without building sparse matrices.

A survey form or an inbound message brings one comment at a time. Read as a batch of one, it cost about
three times what a comment costs in a batch: scikit-learn's word vectoriser, the sparse matrices and
their stacking have a fixed price per call (0.5 ms of the 0.56 ms ``FeedbackModel.predict`` took for one
comment). ``OneComment`` computes the same thing by hand: the word n-grams' columns and counts
(``str.split`` tokens, n-grams joined by a space, as the vectoriser makes them), the character n-grams'
from ``char_ngrams.WordPieces``, each block's sublinear tf, idf and l2 norm, the lexicon's columns, and
their weighted sum of the coefficient rows they touch. ``tests/test_one_comment.py`` holds it to the batch
path on the corpus (the same labels, scores equal to float32 rounding).

Only the vectoriser configuration the model uses is read this way (``fits``); another falls back to the
batch path.
"""

from collections import Counter

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from mehvar.feedback.char_ngrams import WordPieces, plain_tfidf
from mehvar.feedback.lexicon_features import SentimentLexicon


def word_vectoriser_fits(vectorizer: TfidfVectorizer) -> bool:
    return (
        vectorizer.analyzer == "word"
        and vectorizer.tokenizer is str.split
        and vectorizer.stop_words is None
        and plain_tfidf(vectorizer)
    )


def _tfidf(counts: Counter[int], idf: np.ndarray, offset: int) -> tuple[np.ndarray, np.ndarray]:
    """(columns + offset, l2-normalised sublinear tf × idf) of one block, as float32 like the model."""
    columns = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
    values = np.fromiter(counts.values(), dtype=np.float32, count=len(counts))
    values = (np.log(values) + np.float32(1)) * idf[columns]
    norm = np.sqrt(np.dot(values, values))
    if norm > 0:
        values /= norm
    return columns + offset, values


class OneComment:
    def __init__(
        self,
        word: TfidfVectorizer,
        pieces: WordPieces,
        lexicon: SentimentLexicon | None,
        coef: np.ndarray,
        intercept: np.ndarray,
    ) -> None:
        self.words: dict[str, int] = word.vocabulary_
        self.word_idf = np.asarray(word.idf_, dtype=np.float32)
        self.min_n, self.max_n = word.ngram_range
        self.pieces = pieces
        self.char_idf = np.asarray(pieces.idf, dtype=np.float32)
        self.char_offset = len(self.words)
        self.lexicon = lexicon
        self.lexicon_offset = self.char_offset + len(pieces.vocabulary)
        self.coef = coef
        self.intercept = intercept

    @staticmethod
    def fits(word: TfidfVectorizer, char: TfidfVectorizer) -> bool:
        return word_vectoriser_fits(word) and WordPieces.fits(char)

    def _word_counts(self, tokens: list[str]) -> Counter[int]:
        get = self.words.get
        counts: Counter[int] = Counter()
        for n in range(self.min_n, min(self.max_n, len(tokens)) + 1):
            grams = tokens if n == 1 else (" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
            counts.update(column for column in map(get, grams) if column is not None)
        return counts

    def scores(self, prepared: str) -> np.ndarray:
        """The heads' raw scores (before softmax or sigmoid) for one ``feature_text``: shape (columns,)."""
        tokens = prepared.split()
        chars: Counter[int] = Counter()
        for token in tokens:
            chars.update(self.pieces.columns(token))
        total = np.zeros(self.coef.shape[1], dtype=self.coef.dtype)
        for counts, idf, offset in (
            (self._word_counts(tokens), self.word_idf, 0),
            (chars, self.char_idf, self.char_offset),
        ):
            if counts:
                columns, values = _tfidf(counts, idf, offset)
                total += values @ self.coef[columns]
        if self.lexicon is not None:
            found = np.asarray(self.lexicon.counts(prepared), dtype=np.float32)
            values = np.log1p(found) * np.float32(self.lexicon.weight)
            if values.any():
                total += values @ self.coef[self.lexicon_offset : self.lexicon_offset + len(values)]
        return total + self.intercept
