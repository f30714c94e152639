# Cloison — `make test` runs every check and test from a fresh clone: it
# installs the npm packages itself, and Debian's chromium, poppler-utils
# (pdftotext, for the report tests) and postgresql (a throwaway cluster for
# the PostgreSQL tests, scripts/testpg.sh) when they are missing and we run
# as root (otherwise it says what to install).

GO       ?= go
NPM      ?= npm
CHROMIUM ?= /usr/bin/chromium
BIN      := bin/cloison
FRONT    := frontend
# The version the binary reports (cloison --version): the nearest tag and the
# commits since, or the commit alone, "-dirty" when the tree has changes.
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)
LDFLAGS  := -X main.version=$(VERSION)

.PHONY: all build run test test-deps lint go-test go-test-postgres nginx fuzz fuzz-brief frontend-deps frontend-check frontend-unit dist-check e2e chromium pdftotext clean bench wrk

all: build

## build: the frontend (into frontend/dist, which is committed) and the binary
build: frontend-deps
	cd $(FRONT) && $(NPM) run build
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN) .

## run: what `go run .` does, from the committed frontend/dist
run:
	$(GO) run .

## test: everything CI runs
test: test-deps lint go-test fuzz-brief frontend-check frontend-unit dist-check e2e
	@echo "make test: all checks passed"

lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './$(FRONT)/node_modules/*')); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...

# The Go tests run with a throwaway PostgreSQL (scripts/testpg.sh installs
# Debian's postgresql when missing and we run as root): every package on
# SQLite (the tests written for both engines compare them), then the
# store's and the server's suites again with the store on PostgreSQL. The
# command's own tests that start instances on PostgreSQL (PG_MAIN_TESTS:
# two instances on one database, serve and migrate-data on PostgreSQL)
# need only the server the script started, so the first pass runs them.
PG_PACKAGES  ?= ./store/... ./server/...
PG_MAIN_TESTS := TwoInstances|Postgres
go-test: pdftotext nginx
	scripts/testpg.sh sh -c '$(GO) test -count=1 ./... && echo "The store and server suites again, on PostgreSQL:" && CLOISON_TEST_ENGINE=postgres $(GO) test -count=1 $(PG_PACKAGES)'

## go-test-postgres: the store's and the server's suites on PostgreSQL
## only, and the command's tests that run instances on PostgreSQL
go-test-postgres: nginx
	scripts/testpg.sh sh -c 'CLOISON_TEST_ENGINE=postgres $(GO) test -count=1 $(PG_PACKAGES) && $(GO) test -count=1 -run "$(PG_MAIN_TESTS)" .'

## fuzz: run every fuzz target for FUZZTIME each, one after the other, with
## FUZZPARALLEL workers (go test ./... already runs their seed corpora);
## scripts/fuzz.sh says how it tells Go 1.26's end-of-time race from a finding
FUZZTIME     ?= 20m
FUZZPARALLEL ?= 1
FUZZ_BRIEF   ?= 3s
FUZZ_TARGETS := ./server:FuzzRouteInput ./server:FuzzJSONGate ./server:FuzzUpload ./server:FuzzIfMatch \
	./server:FuzzAuthorization ./server:FuzzImportCSV ./server/config:FuzzLoad
fuzz:
	@GO=$(GO) scripts/fuzz.sh $(FUZZTIME) $(FUZZPARALLEL) $(FUZZ_TARGETS)

## fuzz-brief: every fuzz target for a few seconds, as part of make test
fuzz-brief:
	@$(MAKE) --no-print-directory fuzz FUZZTIME=$(FUZZ_BRIEF) FUZZPARALLEL=1

# npm ci only when package-lock.json changed since the last install.
frontend-deps: $(FRONT)/node_modules/.package-lock.json
$(FRONT)/node_modules/.package-lock.json: $(FRONT)/package-lock.json
	@command -v $(NPM) >/dev/null || { echo "Node.js 20.19+ and npm are needed for the frontend checks: install them (Debian: apt-get install nodejs npm)."; exit 1; }
	cd $(FRONT) && $(NPM) ci --no-audit --no-fund
	@touch $@

frontend-check: frontend-deps
	cd $(FRONT) && $(NPM) run check

frontend-unit: frontend-deps
	cd $(FRONT) && $(NPM) run test:unit

## dist-check: the committed frontend/dist is exactly what frontend/src builds to
dist-check: frontend-deps
	@out=$$(mktemp -d); \
	(cd $(FRONT) && OUT=$$out $(NPM) run --silent build:check >/dev/null) || { rm -rf $$out; exit 1; }; \
	if diff -r $(FRONT)/dist $$out >/dev/null; then rm -rf $$out; echo "frontend/dist matches frontend/src"; \
	else diff -rq $(FRONT)/dist $$out; rm -rf $$out; echo "frontend/dist is stale: run 'make build' and commit frontend/dist"; exit 1; fi

# What each Debian package the tests need is checked by (HAS_POSTGRESQL as
# scripts/testpg.sh checks it: a server of one's own needs none).
HAS_CHROMIUM   = [ -x "$(CHROMIUM)" ]
HAS_PDFTOTEXT  = command -v pdftotext >/dev/null
HAS_NGINX      = { command -v nginx || [ -x /usr/sbin/nginx ]; } >/dev/null
HAS_POSTGRESQL = { [ -n "$$CLOISON_TEST_DATABASE_URL" ] || ls /usr/lib/postgresql/*/bin/initdb; } >/dev/null 2>&1

## test-deps: as root with apt-get, every Debian package make test needs and
## lacks, in one apt-get call (on a new machine one package index update
## instead of one per package); otherwise nothing, and each target that needs
## one says what to install
test-deps:
	@missing=""; \
	$(HAS_CHROMIUM) || missing="$$missing chromium"; \
	$(HAS_PDFTOTEXT) || missing="$$missing poppler-utils"; \
	$(HAS_NGINX) || missing="$$missing nginx-light"; \
	$(HAS_POSTGRESQL) || missing="$$missing postgresql"; \
	if [ -n "$$missing" ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "Installing Debian's$$missing for the tests..."; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null || exit 1; \
	fi

# need_debian runs when the test $(1) fails: as root with apt-get it installs
# Debian's package $(2), needed for $(3); otherwise it says what to install
# (and $(4), another way, when there is one) and fails.
define need_debian
	@if ! $(1); then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian's $(2) for $(3)..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(2) >/dev/null || exit 1; \
	  else \
	    echo "Missing: Debian's $(2), needed by $(3). Install it with: sudo apt-get install $(2)   (Debian/Ubuntu)$(4)"; exit 1; \
	  fi; \
	fi
endef

chromium:
	$(call need_debian,$(HAS_CHROMIUM),chromium,the browser tests,; or point CHROMIUM=/path/to/chromium at another build)

# The report tests read the PDFs back with Debian's pdftotext (poppler-utils).
pdftotext:
	$(call need_debian,$(HAS_PDFTOTEXT),poppler-utils,the report tests)

# nginx runs deploy/nginx.conf in front of two instances in
# TestTwoInstancesBehindNginx.
nginx:
	$(call need_debian,$(HAS_NGINX),nginx-light,the reverse proxy test)

## e2e: the browser tests, in headless Chromium against the freshly built binary
e2e: chromium frontend-deps
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN) .
	cd $(FRONT) && CLOISON_BIN=$(CURDIR)/$(BIN) CHROMIUM=$(CHROMIUM) $(NPM) run test:e2e

## bench: seed a fresh temporary directory with BENCH_CASES case files over
## BENCH_UNITS units in BENCH_ORGS organisations, start the real binary on
## loopback and load it with wrk (see README, Performance)
BENCH_CASES    ?= 100000
BENCH_ORGS     ?= 1
BENCH_UNITS    ?= 1
BENCH_CONNS    ?= 4,16,32
BENCH_DURATION ?= 5s
BENCH_ROUNDS   ?= 1
BENCH_OUT      ?= bench-results.json
BENCH_ARGS     ?=
# DATABASE=postgres: the same scenarios on SQLite, then on PostgreSQL (a
# throwaway cluster started for the run, with fsync, its fresh database),
# then both tables and PostgreSQL / SQLite side by side. The PostgreSQL
# run's report goes beside BENCH_OUT, with -postgres before .json. With
# BENCH_ROUNDS above 1 the engines take turns, a round of each at a time on
# the same two seeded databases, and the table gives medians and the median
# of each round's ratio (this machine's slow and fast spells last minutes);
# round i's reports are BENCH_OUT's and BENCH_OUT_PG's names with -i.
DATABASE       ?= sqlite
BENCH_OUT_PG   ?= $(basename $(BENCH_OUT))-postgres.json
LOADTEST_ONE   := $(GO) run ./server/loadtest -bin $(CURDIR)/$(BIN) -cases $(BENCH_CASES) -orgs $(BENCH_ORGS) -units $(BENCH_UNITS) \
	  -conns $(BENCH_CONNS) -duration $(BENCH_DURATION)
LOADTEST       := $(LOADTEST_ONE) -rounds $(BENCH_ROUNDS)
bench: wrk
	$(GO) build -o $(BIN) .
ifeq ($(DATABASE),sqlite)
	$(LOADTEST) -out $(BENCH_OUT) $(BENCH_ARGS)
else ifeq ($(DATABASE),postgres)
	CLOISON_TEST_DATABASE_URL= TESTPG_DURABLE=1 scripts/testpg.sh sh -c 'set -e; w=$$(mktemp -d); trap "rm -rf $$w" EXIT; \
	  s=; p=; for i in $$(seq $(BENCH_ROUNDS)); do \
	    so=$(BENCH_OUT); po=$(BENCH_OUT_PG); \
	    if [ $(BENCH_ROUNDS) -gt 1 ]; then so=$(basename $(BENCH_OUT))-$$i.json; po=$(basename $(BENCH_OUT_PG))-$$i.json; fi; \
	    echo; echo "== round $$i of $(BENCH_ROUNDS): SQLite"; \
	    $(LOADTEST_ONE) -data $$w/sqlite -out $$so $(BENCH_ARGS); \
	    echo; echo "== round $$i of $(BENCH_ROUNDS): PostgreSQL"; \
	    $(LOADTEST_ONE) -data $$w/postgres -out $$po $(BENCH_ARGS) \
	      -database-url "$$CLOISON_TEST_DATABASE_URL" -postgres-data "$$CLOISON_TEST_PGDATA"; \
	    s=$$s$${s:++}$$so; p=$$p$${p:++}$$po; \
	  done; \
	  $(GO) run ./server/loadtest -compare "$$s,$$p"'
else
	@echo "DATABASE=$(DATABASE): sqlite or postgres"; exit 2
endif

wrk:
	@if ! command -v wrk >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian's wrk for the benchmark..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null || exit 1; \
	  else \
	    echo "The benchmark needs wrk. Install it with: sudo apt-get install wrk   (Debian/Ubuntu)"; exit 1; \
	  fi; \
	fi

clean:
	rm -rf bin $(FRONT)/node_modules
