"""A migration operation for models that move from one app to another with
their rows (`SeparateDatabaseAndState`): their content types move too, so the
admin's log entries and the permissions given to groups and users follow them.

Used by notifications/migrations/0001 and learning/migrations/0001."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import migrations


def content_types_move(*, models: Sequence[str], from_app: str, to_app: str) -> migrations.RunPython:
    """RunPython that relabels the content types of `models` (lower-case model
    names) from `from_app` to `to_app`, and back when unapplied. A fresh
    database has none yet (they are created after migrating): nothing to do."""

    def relabel(source: str, target: str):
        def run(apps, schema_editor):
            content_type = apps.get_model("contenttypes", "ContentType")
            db = schema_editor.connection.alias
            for model in models:
                old = content_type.objects.using(db).filter(app_label=source, model=model).first()
                if old is None:
                    continue
                # A row under the new label can only be one created after an earlier,
                # half-finished move; it owns nothing yet, unlike the old one.
                content_type.objects.using(db).filter(app_label=target, model=model).delete()
                old.app_label = target
                old.save(update_fields=["app_label"])

        return run

    return migrations.RunPython(relabel(from_app, to_app), relabel(to_app, from_app))
