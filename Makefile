# The few commands people run. Every target creates and uses the virtualenv at .venv.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: venv demo test test-bundle check lint typecheck imports wire wire-check plugin bundle bench real-k8s clean

$(STAMP): pyproject.toml
	bash scripts/ensure_system_packages.sh
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

## demo: the main job, on the bundled example cluster (no cluster needed)
demo: plugin
	$(PY) -m k8smeta demo

## test: static checks, then the whole test suite (with the real-API-server tests; their
## control plane is built first when this machine has none yet)
test: check plugin real-k8s
	$(PY) -m pytest

## real-k8s: etcd, kube-apiserver and kube-controller-manager for the `real_apiserver` tests,
## built from the Go module proxy once per machine into ~/.cache/k8smeta (docs/testing.md)
real-k8s:
	@if command -v go >/dev/null; then nice bash tests/kubeapi/real/build.sh >/dev/null; \
	else echo "go is not installed: the real_apiserver tests will be skipped"; fi

## check: lint, types, import layering, generated-code freshness
check: lint typecheck imports wire-check

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: venv
	$(VENV)/bin/mypy

imports: venv
	$(VENV)/bin/lint-imports --no-cache

wire: venv
	$(PY) scripts/gen_wire.py

wire-check: venv
	$(PY) scripts/gen_wire.py --check

## plugin: build/libk8smeta.so, the Falco plugin, from the virtualenv's Python (cffi embedding)
plugin: venv
	$(PY) -m k8smeta.plugin.abi.build build

## bundle: dist/k8smeta-plugin-<version>-linux-<arch>.tar.gz, the self-contained plugin
## artifact (libk8smeta.so, libpython, the stdlib subset, site-packages; docs/install-bundle.md)
bundle: venv
	$(PY) -m k8smeta.plugin.abi.bundle dist build/bundle

## test-bundle: the bundle in root file systems without Python (debootstrap, chroot; as root).
## `make test` runs the same test, skipping it with the reason when debootstrap cannot run.
test-bundle: bundle
	bash scripts/ensure_system_packages.sh
	K8SMETA_REQUIRE_BUNDLE_TEST=1 \
	K8SMETA_BUNDLE=dist/$$($(PY) -c 'from k8smeta.plugin.abi.bundle import artifact_name as a; print(a())') \
		$(PY) -m pytest tests/bundle

## bench: the benchmarks under benchmarks/ (results go to docs/benchmarks.md by hand)
bench: plugin
	$(PY) benchmarks/bench_core.py
	$(PY) benchmarks/bench_feed.py
	$(PY) benchmarks/bench_abi.py
	$(PY) -m benchmarks.bench_trim
	$(PY) -m benchmarks.bench_collector
	$(PY) -m benchmarks.bench_ingest
	@if command -v go >/dev/null; then $(PY) -m benchmarks.bench_real_apiserver; \
	else echo "go is not installed: bench_real_apiserver skipped"; fi

clean:
	rm -rf build dist .pytest_cache .mypy_cache .ruff_cache
