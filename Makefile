# The few commands people run. Every target creates and uses the virtualenv at .venv.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
LOCK := requirements/lock.txt

.PHONY: venv lock lock-upgrade lock-check demo test test-bundle check lint typecheck imports wire wire-check plugin bundle publish bench clean test-fixtures real-k8s

# The virtualenv holds exactly what requirements/lock.txt pins (hashes checked), made anew
# whenever the lock or pyproject.toml changes; the project itself is installed editable on top.
$(STAMP): $(LOCK) pyproject.toml
	bash scripts/ensure_system_packages.sh
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps --only-binary :all: -r $(LOCK)
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation --no-index -e .
	touch $(STAMP)

venv: $(STAMP)

UV_COMPILE = $(VENV)/bin/uv pip compile pyproject.toml requirements/tools.in --all-extras \
	--generate-hashes --universal --python-version 3.11 --no-header --quiet -o $(LOCK)

## lock: bring requirements/lock.txt in line with pyproject.toml, keeping every pin it can (uv)
lock: venv
	$(UV_COMPILE)
	$(PY) scripts/check_lock.py

## lock-upgrade: re-resolve the lock to the newest versions pyproject.toml allows
lock-upgrade: venv
	$(UV_COMPILE) --upgrade
	$(PY) scripts/check_lock.py

## lock-check: pyproject.toml and the lock agree (offline)
lock-check: venv
	$(PY) scripts/check_lock.py

## demo: the main job, on the bundled example cluster (no cluster needed)
demo: plugin
	$(PY) -m k8smeta demo

## test: static checks, then the whole test suite (with the real-API-server tests; their
## control plane is built first when this machine has none yet)
test: check plugin test-fixtures real-k8s
	$(PY) -m pytest

# What the tests need from outside the virtualenv, made before pytest so that its per-test
# time limit never counts a first download: the bundle test's Debian root (cached; as root
# only: elsewhere the test says why it skips).
test-fixtures:
	bash scripts/debian_rootfs.sh >/dev/null || echo "no Debian root for the bundle test (it will say why)"

## real-k8s: etcd, kube-apiserver and kube-controller-manager for the `real_apiserver` tests,
## built from the Go module proxy once per machine into ~/.cache/k8smeta (docs/testing.md)
real-k8s:
	@if command -v go >/dev/null; then nice bash tests/kubeapi/real/build.sh >/dev/null; \
	else echo "go is not installed: the real_apiserver tests will be skipped"; fi

## check: lint, types, import layering, generated-code freshness
check: lock-check lint typecheck imports wire-check

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

## plugin: build/libk8smeta.so, the Falco plugin, from the virtualenv's Python (cffi embedding),
## and the optimized bytecode (.opt-2.pyc) its interpreter loads (ADR 0010)
plugin: venv
	$(PY) -m k8smeta.plugin.abi.build build
	$(PY) -m compileall -q -o 2 src/k8smeta "$$($(PY) -c 'import sysconfig; print(sysconfig.get_path("purelib"))')"

## bundle: dist/k8smeta-plugin-<version>-linux-<arch>.tar.gz, the self-contained plugin
## artifact (libk8smeta.so, libpython, the stdlib subset, site-packages; docs/install-bundle.md),
## its CycloneDX SBOM (.cdx.json) and SHA256SUMS beside it; the same bytes from every build of
## a commit (times from SOURCE_DATE_EPOCH, default the last commit's)
bundle: venv
	$(PY) -m k8smeta.plugin.abi.bundle dist build/bundle

## publish: push the bundle to $(REGISTRY)/k8smeta:<version> as a falcoctl plugin artifact
## (e.g. make publish REGISTRY=ghcr.io/<org>/plugins/plugin; PLAIN_HTTP=1 for an http registry)
publish: bundle
	@test -n "$(REGISTRY)" || { echo "usage: make publish REGISTRY=<host>/<path> [PLAIN_HTTP=1]" >&2; exit 2; }
	$(PY) -m k8smeta.release.oci $(if $(PLAIN_HTTP),--plain-http) push $(REGISTRY)/k8smeta

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
