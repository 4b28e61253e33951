# ztkube build. `make` builds everything into dist/ and leaves bin/ztkube;
# `make demo` runs the demo network in namespaces; `make test` runs the whole suite;
# `make bench` prints the benchmarks. Builds are incremental: an unchanged tree takes a
# fraction of a second, and `make clean` starts from nothing.
SHELL := /bin/bash
# Headers of the running node, so node-gyp never downloads any (issue #2). Deferred (=), so
# node and npm only run when the addon is rebuilt, which keeps a no-change `make` fast.
NODE_PREFIX = $(shell node -p 'require("path").dirname(require("path").dirname(process.execPath))')

.PHONY: all build test bench demo clean typecheck sysdeps manifests

all: build

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# The TAP addon (native/README.md): node-gyp as bundled with npm, headers from NODE_PREFIX.
NODE_GYP = $(shell npm root -g)/npm/node_modules/node-gyp/bin/node-gyp.js
native/build/Release/ztkube_tap.node native/build/Release/ztkube_crypto.node native/build/Release/ztkube_udp.node &: native/binding.gyp $(wildcard native/src/*.cc native/src/*.h)
	node $(NODE_GYP) rebuild --directory native --nodedir=$(NODE_PREFIX)

build: node_modules/.installed native/build/Release/ztkube_tap.node native/build/Release/ztkube_crypto.node native/build/Release/ztkube_udp.node dist/.build-stamp bin/ztkube bin/zerotier-cli bin/zerotier-idtool build/cni/ztkube

# TypeScript, incrementally: tsc keeps its state in dist/.tsbuildinfo and the stamp is touched
# only when tsc succeeds, so a failed build runs (and fails) again. The folders are
# prerequisites too, since a deleted or renamed source changes only its folder; prune-dist
# then removes its stale outputs (a stale test would still run).
TS_SOURCES := $(shell find cmd src test types -name '*.ts')
TS_DIRS := $(addsuffix /.,$(shell find cmd src test types -type d))
dist/.build-stamp: $(TS_SOURCES) $(TS_DIRS) tsconfig.json node_modules/.installed
	node scripts/prune-dist.mjs
	node_modules/.bin/tsc -p . --incremental --tsBuildInfoFile dist/.tsbuildinfo
	touch $@

bin/ztkube:
	mkdir -p bin
	printf '#!/usr/bin/env node\nimport("../dist/cmd/ztkube.js");\n' > $@
	chmod +x $@

# The same program under the names scripts call (06 §1.1): it picks its personality from the
# name it was invoked by, as zerotier-one does.
bin/zerotier-cli bin/zerotier-idtool: bin/ztkube
	ln -sfn ztkube $@

# The CNI shim (cni/shim, issue #12): what the container runtime execs on the host, where
# Node.js may not exist, so a static binary from the system's C compiler and libc alone.
build/cni/ztkube: cni/shim/ztkube-cni.c
	mkdir -p build/cni
	gcc -std=c11 -O2 -Wall -Wextra -Werror -static -o $@.tmp $<
	mv $@.tmp $@

typecheck: node_modules/.installed
	npx tsc --noEmit -p .

# Tools the namespace tests and the demo use (iproute2, ping, nft, iperf3, a DHCP server and
# client, dockerd and a static busybox for the Docker plugin's image), installed when missing and
# we may (root with apt-get); tests that still lack them skip with a reason. A policy-rc.d
# (when there is none) keeps the packages from starting services: a system dockerd would
# change the host's bridges and firewall, and the tests start their own.
sysdeps:
	@missing=""; command -v ip >/dev/null || missing="$$missing iproute2"; command -v ping >/dev/null || missing="$$missing iputils-ping"; \
	command -v nft >/dev/null || missing="$$missing nftables"; \
	command -v iperf3 >/dev/null || missing="$$missing iperf3"; command -v dnsmasq >/dev/null || missing="$$missing dnsmasq-base"; \
	command -v dhclient >/dev/null || missing="$$missing isc-dhcp-client"; \
	command -v dockerd >/dev/null || missing="$$missing docker.io"; command -v busybox >/dev/null || missing="$$missing busybox-static"; \
	[ -x /usr/lib/cni/bridge ] || missing="$$missing containernetworking-plugins"; \
	command -v containerd >/dev/null || missing="$$missing containerd"; command -v runc >/dev/null || missing="$$missing runc"; \
	command -v gcc >/dev/null || missing="$$missing gcc"; [ -e "$$(gcc -print-file-name=libc.a 2>/dev/null)" ] || missing="$$missing libc6-dev"; \
	if [ -n "$$missing" ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "installing$$missing"; \
	  nostart=""; if [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d; nostart=1; fi; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null) \
	    || echo "sysdeps: could not install$$missing; the tests that need them will skip"; \
	  if [ -n "$$nostart" ]; then rm -f /usr/sbin/policy-rc.d; fi; fi
	@# kubectl 1.20 for the kube fidelity tests: Debian's kubernetes-client conflicts with an
	@# installed /usr/bin/kubectl, so it is unpacked into build/ (test/helpers/kubectl.ts does
	@# the same when this did not run).
	@if [ ! -x build/kubectl-1.20/usr/bin/kubectl ] && command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null; then \
	  tmp=$$(mktemp -d /tmp/ztkube-kubectl120-XXXXXX) && (cd $$tmp && apt-get download -qq kubernetes-client >/dev/null 2>&1 && dpkg-deb -x kubernetes-client_*.deb root) \
	    && mkdir -p build && mv $$tmp/root build/kubectl-1.20 || echo "sysdeps: could not unpack kubernetes-client; the kubectl 1.20 tests will fetch it or skip"; \
	  rm -rf $$tmp; fi

test: build sysdeps
	ZTKUBE_SAFETY=test node --test --test-concurrency=2 $$(find dist/test -name '*.test.js' | sort)

# The TAP addon's own tests with every child under valgrind (native/README.md): an invalid
# read or write, uninitialised memory or a definite leak in ztkube_tap.node fails them; node's
# own noise is in native/valgrind-node.supp. Also checks the errno-name fallback (musl), and
# runs the native crypto and UDP tests under valgrind (test/native/addons-valgrind.test.ts). ~2.5 min.
.PHONY: check-native
check-native: build sysdeps
	@command -v valgrind >/dev/null || { echo "check-native needs valgrind"; exit 1; }
	ZTKUBE_SAFETY=test node --test dist/test/unit/net/tap-addon-errno.test.js
	ZTKUBE_SAFETY=test ZTKUBE_VALGRIND=1 node --test dist/test/netns/tap-addon.test.js
	ZTKUBE_SAFETY=test node --test dist/test/native/addons-valgrind.test.js

# The image, without a registry (issue #10): the Dockerfile built on a base made from this
# host's node (scripts/rootfs-recipe.mjs, `docker import`ed). With DOCKER_HOST the image stays
# in that dockerd; without, a private dockerd (started as the tests start theirs) builds it and
# it is saved to build/ztkube-image.tar (`docker load -i build/ztkube-image.tar`). ~1 min.
.PHONY: image
image: build
	node scripts/image.mjs ztkube:local

# The managed (v2) Docker plugin, without a registry (issue #10): build/docker-plugin holds its
# config.json and a rootfs from the same recipe as the image's (scripts/rootfs-recipe.mjs). Then
# `docker plugin create ztkube build/docker-plugin && docker plugin enable ztkube`.
.PHONY: docker-plugin
docker-plugin: build
	node scripts/docker-plugin-rootfs.mjs build/docker-plugin

# The end-to-end check on a real cluster (issue #12; scripts/e2e-kind.sh): a two-node kind
# cluster, the image loaded, helm install, a ZTNetwork, two annotated pods on different nodes
# pinging each other, teardown. Needs kind, docker, helm and kubectl; without them it says it
# is skipped and why, and exits 0.
.PHONY: e2e-kind
e2e-kind:
	scripts/e2e-kind.sh

# manifests/ is the chart rendered with its default values (no helm here: a renderer of the
# template subset the chart uses, test/helpers/helm-subset.ts); a test keeps the two equal.
manifests: build
	node dist/test/helpers/render-manifests-main.js

demo: build sysdeps
	bin/ztkube demo

bench: build
	ZTKUBE_SAFETY=test node --expose-gc dist/test/bench/run.js

clean:
	rm -rf dist bin build native/build
