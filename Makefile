# The two commands of the README, and a few conveniences.
.PHONY: demo test bench docs security-report clean

demo:  ## install heard in .venv and run the main job on the bundled examples
	scripts/demo.sh

test:  ## install what the tests need and run them (CI runs this)
	scripts/test.sh

bench:  ## measure and record figures in docs/performance.md
	scripts/bootstrap.sh
	.venv/bin/heard bench import --write-docs

security-report:  ## run the security regression tests and write their counts into docs/security.md
	scripts/bootstrap.sh test,audio
	.venv/bin/pytest -n 2 --security-report tests

docs:  ## regenerate the CLI reference and the published schemas
	.venv/bin/python -m heard.cli.reference > docs/cli.md
	.venv/bin/heard schema > docs/conversation.schema.json
	.venv/bin/heard schema scorecard > docs/scorecard.schema.json

clean:
	rm -rf .venv out .pytest_cache .ruff_cache .hypothesis
