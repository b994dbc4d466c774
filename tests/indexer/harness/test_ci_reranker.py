"""The CI reranker's recipe has one home (`RECIPE`); the README shows it to users, so the
two must not drift apart (each CI model is trained with `RECIPE`, not with the README)."""

from __future__ import annotations

import re

from indexer.harness.ci_reranker import RECIPE, ROOT


def test_readme_recipe_is_the_ci_recipe() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = [re.sub(r"\s+", " ", block.replace("\\\n", " "))
                for block in re.findall(r"```bash\n(.*?)```", readme, re.S)
                if "indexer rerankers train" in block]
    assert commands, "the README shows no `indexer rerankers train` command"
    assert any(" ".join(RECIPE) in c for c in commands), (
        f"README's training command differs from ci_reranker.RECIPE: {' '.join(RECIPE)}")
