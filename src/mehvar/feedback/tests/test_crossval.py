"""The corpus's cross-validation splits: each example is tested once, by a model that did not see it."""

import numpy as np
import pytest

from mehvar.feedback.corpus import Example
from mehvar.feedback.crossval import SHORT_COMMENT_DOMAINS, _splits


def example(domain: str, sentiment: str = "neutral") -> Example:
    return Example(
        text=f"{domain} {sentiment}",
        sentiment=sentiment,
        topics=(),
        urgency="low",
        abusive=False,
        score=0,
        domain=domain,
    )


def test_registers_split_trains_on_one_register_and_tests_on_the_other():
    examples = [
        example("food"),
        example("reviews"),
        example("telecom"),
        example("statements"),
        example("shop"),
    ]
    folds = list(_splits(examples, "registers", seed=1))
    assert len(folds) == 2
    short = {i for i, e in enumerate(examples) if e.domain in SHORT_COMMENT_DOMAINS}
    assert {int(i) for i in folds[0][0]} == short and {int(i) for i in folds[0][1]} == {1, 3}
    assert {int(i) for i in folds[1][0]} == {1, 3} and {int(i) for i in folds[1][1]} == short
    tested = np.concatenate([test for _train, test in folds])
    assert sorted(tested.tolist()) == list(range(len(examples)))  # each example tested once


def test_registers_split_needs_both_registers():
    with pytest.raises(ValueError):
        list(_splits([example("food"), example("shop")], "registers", seed=1))


def test_domains_split_leaves_each_domain_out_once():
    examples = [example("food"), example("reviews"), example("food"), example("travel")]
    folds = list(_splits(examples, "domains", seed=1))
    assert [sorted(test.tolist()) for _train, test in folds] == [[0, 2], [1], [3]]
    for train, test in folds:
        assert not set(train.tolist()) & set(test.tolist())
