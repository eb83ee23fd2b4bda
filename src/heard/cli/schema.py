"""`heard schema`: the published JSON Schema of heard's conversation format."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from heard.cli.output import print_json
from heard.model import Conversation, Scorecard


def conversation_schema() -> dict[str, Any]:
    schema = Conversation.model_json_schema(mode="validation")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


def scorecard_schema() -> dict[str, Any]:
    schema = Scorecard.model_json_schema(mode="serialization")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


def register(app: typer.Typer) -> None:
    @app.command("schema")
    def schema_command(
        what: Annotated[
            str, typer.Argument(help="conversation (default) or scorecard")
        ] = "conversation",
    ) -> None:
        """Print the JSON Schema of heard's conversation format (or of the scorecard)."""
        if what == "conversation":
            print_json(conversation_schema())
        elif what == "scorecard":
            print_json(scorecard_schema())
        else:
            raise typer.BadParameter("use conversation or scorecard", param_hint="WHAT")
