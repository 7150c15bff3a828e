# Two commands: `make run` and `make test`. Everything else here serves them.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(abspath $(VENV))/bin
STAMP := $(VENV)/.installed
REQUIREMENTS := requirements.txt requirements-base.txt requirements-dev.txt
# mysqlclient compiles against the MariaDB/MySQL client headers: install it only when a MySQL URL is set.
ifneq ($(findstring mysql,$(DATABASE_URL)),)
REQUIREMENTS += requirements-mysql.txt
STAMP := $(VENV)/.installed-mysql
endif

.PHONY: run test setup check clean

$(STAMP): $(REQUIREMENTS)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet $(addprefix -r ,$(filter-out requirements-base.txt,$(REQUIREMENTS)))
	touch $(STAMP)

setup: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py ensure_users
	$(BIN)/python manage.py seed_schedule
	$(BIN)/python manage.py load_sample
	$(BIN)/python manage.py simulate_market --days 250

run: setup
	@echo "Starting web, worker and beat. Open http://$${WEB_HOST:-127.0.0.1}:$${WEB_PORT:-8000}/ (Ctrl-C stops all three)."
	PATH="$(BIN):$$PATH" $(BIN)/honcho start

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

check: $(STAMP)
	$(BIN)/python manage.py check
	$(BIN)/python manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) var
