# The one task runner. `make demo` and `make test` are the README's two commands.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench fuzz clean template sample

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test,bench]'
	touch $(STAMP)

demo: $(STAMP)
	mkdir -p out
	cp sample_data/示例台账.xlsx out/台账.xlsx
	rm -rf out/.workbook-crm
	$(BIN)/workbook-crm run out/台账.xlsx --month 2026-11 --summary out/汇总-2026-11.xlsx || test $$? -eq 1
	@echo
	@echo "Results: out/台账.xlsx (客户分层, 跟进提醒, 疑似重复, 校验问题, 变更记录, 分级历史 and marked cells),"
	@echo "         out/汇总-2026-11.xlsx (the managers' summary); backup of the original in out/.workbook-crm/backups/"

test: $(STAMP)
	$(BIN)/python -m pytest -q -p no:cacheprovider

lint: $(STAMP)
	$(BIN)/ruff check workbook_crm tests bench
	$(BIN)/ruff format --check workbook_crm tests bench
	$(BIN)/mypy workbook_crm

bench: $(STAMP)
	$(BIN)/python bench/run_bench.py --sizes 10000 100000

fuzz: $(STAMP)
	FUZZ_EXAMPLES=5000 $(BIN)/python -m pytest -q tests/test_fuzz.py

template: $(STAMP)
	$(BIN)/python -c "from workbook_crm.template import write_template; write_template(__import__('pathlib').Path('templates/台账模板.xlsx'))"

clean:
	rm -rf out bench/out .pytest_cache
