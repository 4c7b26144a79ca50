# The two commands for a fresh machine:
#   make demo   installs everything and starts the demo clinic
#   make test   installs everything and runs every quality gate and the whole test suite
.PHONY: demo test install check lint format messages docs

VENV := .venv/bin

demo: install
	$(VENV)/medspa demo $(DEMO_ARGS)

test: install check
	$(VENV)/pytest --create-db $(PYTEST_ARGS)

install:
	@scripts/bootstrap

check: lint docs
	$(VENV)/mypy
	SECRET_KEY=check $(VENV)/medspa manage check
	SECRET_KEY=check $(VENV)/medspa manage makemigrations --check --dry-run

lint:
	$(VENV)/ruff format --check src tests benchmarks
	$(VENV)/ruff check src tests benchmarks

format:
	$(VENV)/ruff format src tests benchmarks
	$(VENV)/ruff check --fix src tests benchmarks

messages:
	cd src/medspa && SECRET_KEY=build MEDSPA_VAR_DIR=../../var ../../$(VENV)/medspa manage makemessages -l zh_Hans --no-location --ignore "migrations/*"

docs:
	NO_MKDOCS_2_WARNING=1 $(VENV)/mkdocs build --strict -q -d var/site
