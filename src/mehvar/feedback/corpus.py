"""The committed training corpus (``corpus/*.jsonl``, CC0; see corpus/README.md) and its fingerprint."""

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

CORPUS_DIR = Path(__file__).parent / "corpus"

SENTIMENTS = ("negative", "neutral", "positive")
URGENCIES = ("low", "normal", "high")
TOPICS = (
    "delivery",
    "price_value",
    "product_quality",
    "support",
    "website_app",
    "packaging",
    "refund_return",
)


@dataclass(frozen=True)
class Example:
    """One labelled text. ``None`` means "not labelled" (a correction may fix only some labels)."""

    text: str
    sentiment: str | None
    topics: tuple[str, ...] | None
    urgency: str | None
    abusive: bool | None
    score: int | None = None  # −2 … 2 in the corpus
    domain: str = ""
    weight: float = 1.0
    extra: dict = field(default_factory=dict, compare=False, hash=False)


def corpus_files(directory: Path = CORPUS_DIR) -> list[Path]:
    return sorted(directory.glob("*.jsonl"))


def corpus_examples(directory: Path = CORPUS_DIR) -> list[Example]:
    """Every line of every corpus file, in file order."""
    examples = []
    for path in corpus_files(directory):
        with path.open(encoding="utf-8") as lines:
            for line in lines:
                if not line.strip():
                    continue
                row = json.loads(line)
                examples.append(
                    Example(
                        text=row["text"],
                        sentiment=row["sentiment"],
                        topics=tuple(row["topics"]),
                        urgency=row["urgency"],
                        abusive=bool(row["abusive"]),
                        score=int(row["score"]),
                        domain=row.get("domain", path.stem),
                    )
                )
    return examples


def corpus_fingerprint(directory: Path = CORPUS_DIR) -> str:
    """sha256 over the corpus files' names and bytes: any change to the corpus changes it."""
    digest = hashlib.sha256()
    for path in corpus_files(directory):
        digest.update(path.name.encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()
