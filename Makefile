# Two entry points, both self-installing into a project-local virtualenv:
#   make run    launch Therapy Desk (installs only what the app needs)
#   make test   run the whole test suite headless (adds the test and lint tools)
#   make installer  build the desktop app with PyInstaller into dist/ (see build_installer.py)
#   make installer-check  build it, then run the built app's --self-test with no display (CI runs this)
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
APP_STAMP := $(VENV)/.installed-app
DEV_STAMP := $(VENV)/.installed-dev
BUILD_STAMP := $(VENV)/.installed-build

.PHONY: run test lint installer installer-check

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(APP_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	touch $(APP_STAMP)

$(DEV_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(APP_STAMP) $(DEV_STAMP)

run: $(APP_STAMP)
	@scripts/desktop-deps.sh
	$(VENV)/bin/therapy-desk

test: $(DEV_STAMP)
	$(PY) -m pytest

lint: $(DEV_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

$(BUILD_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[build]'
	touch $(APP_STAMP) $(BUILD_STAMP)

installer: $(BUILD_STAMP)
	@scripts/build-deps.sh
	$(PY) build_installer.py

installer-check: installer
	QT_QPA_PLATFORM=offscreen dist/therapy-desk/therapy-desk --self-test
