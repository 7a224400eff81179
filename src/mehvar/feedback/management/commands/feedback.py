"""The feedback model from the command line.

``mehvar feedback train`` builds the base model from the committed corpus and writes it under the var
directory (``--workspaces`` then retrains every workspace that has corrections). ``mehvar feedback cv``
prints the cross-validation figures of the current settings on the corpus; ``--search`` runs the settings
search that chose them (a few minutes on one core).
"""

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from mehvar.feedback.corpus import TOPICS, corpus_examples
from mehvar.feedback.crossval import SPLITS, out_of_fold, scores, search, thresholds, with_settings
from mehvar.feedback.storage import base_model_path
from mehvar.feedback.training import SETTINGS


class Command(BaseCommand):
    help = "Build the feedback analysis model, or print its cross-validation figures."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{train,cv}")
        train = actions.add_parser("train", help="Build the base model from the corpus.")
        train.add_argument(
            "--workspaces", action="store_true", help="Then retrain every workspace that has corrections."
        )
        cv = actions.add_parser("cv", help="Cross-validate the current settings on the corpus.")
        cv.add_argument("--search", action="store_true", help="Search the settings first.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "train":
            self._train(workspaces=options["workspaces"])
        else:
            self._cv(run_search=options["search"])

    def _train(self, *, workspaces: bool) -> None:
        from mehvar.feedback.models import FeedbackCorrection
        from mehvar.feedback.services import feedback_base_model_build, feedback_workspace_train

        model = feedback_base_model_build()
        self.stdout.write(
            _("Feedback model built from %(examples)s examples in %(seconds)s s: %(path)s")
            % {
                "examples": model.meta["examples"],
                "seconds": model.meta["train_seconds"],
                "path": base_model_path(),
            }
        )
        if workspaces:
            ids = FeedbackCorrection.objects.values_list("workspace_id", flat=True).distinct().order_by()
            for workspace_id in sorted(set(ids)):
                outcome = feedback_workspace_train(workspace_id=workspace_id)
                self.stdout.write(
                    _("Workspace %(id)s: %(outcome)s") % {"id": workspace_id, "outcome": json.dumps(outcome)}
                )

    def _cv(self, *, run_search: bool) -> None:
        examples = corpus_examples()
        settings = SETTINGS
        if run_search:
            settings, _runs = search(examples, log=self.stdout.write)
            settings = with_settings(settings, **thresholds(examples, settings))
            self.stdout.write(f"chosen: {settings!r}")
        for split in SPLITS:
            figures = scores(examples, out_of_fold(examples, settings, split=split), settings)
            self.stdout.write(f"\n{split}:")
            for key, value in figures.items():
                if key == "topic_f1":
                    for topic in TOPICS:
                        self.stdout.write(f"  topic {topic}: {value[topic]:.4f}")
                else:
                    self.stdout.write(f"  {key}: {value}")
