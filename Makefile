# Ceguan's task runner: the same commands locally and in CI.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export CEGUAN_VAR_DIR ?= $(CURDIR)/var

.PHONY: demo test test-postgres test-browser lint format serve clean messages

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev]'
	touch $(STAMP)

## demo: set up, load the demo province, start the receiver and simulated devices, serve the UI
## at http://127.0.0.1:8000/ (HJ 212 on 127.0.0.1:9212)
demo: $(STAMP)
	$(BIN)/ceguan migrate --no-input
	$(BIN)/ceguan compilemessages --ignore=.venv -v 0
	$(BIN)/ceguan demo
	$(BIN)/ceguan demo_plans
	CEGUAN_SECURE_COOKIES=false $(BIN)/ceguan live --web-port 8000 --receiver-port 9212

## test: set up and run every test (SQLite; browser tests skip unless Chromium is installed)
test: $(STAMP)
	$(BIN)/ceguan compilemessages --ignore=.venv -v 0
	$(BIN)/pytest -q -p no:cacheprovider

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/ceguan makemigrations --check --dry-run

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## messages: refresh the translation catalogues after changing UI strings
messages: $(STAMP)
	cd ceguan && ../$(BIN)/ceguan makemessages -l en --no-obsolete -v 0
	cd ceguan && ../$(BIN)/ceguan makemessages -d djangojs -l en --no-obsolete -v 0 --ignore 'static/vendor/*'

clean:
	rm -rf $(VENV) var .pytest_cache
