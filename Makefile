# ztkube build. `make` builds everything into dist/ and leaves bin/ztkube;
# `make demo` runs the demo network in namespaces; `make test` runs the whole suite;
# `make bench` prints the benchmarks.
SHELL := /bin/bash
# Headers of the running node, so node-gyp never downloads any (issue #2).
NODE_PREFIX := $(shell node -p 'require("path").dirname(require("path").dirname(process.execPath))')

.PHONY: all build test bench demo clean typecheck

all: build

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

build: node_modules/.installed
	npx tsc -p .
	mkdir -p bin
	printf '#!/usr/bin/env node\nimport("../dist/cmd/ztkube.js");\n' > bin/ztkube
	chmod +x bin/ztkube

typecheck: node_modules/.installed
	npx tsc --noEmit -p .

test: build
	ZTKUBE_SAFETY=test node --test --test-concurrency=2 $$(find dist/test -name '*.test.js' | sort)

demo: build
	bin/ztkube demo

bench: build
	ZTKUBE_SAFETY=test node --expose-gc dist/test/bench/run.js

clean:
	rm -rf dist bin build
