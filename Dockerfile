# The ztkube image, one for every role: `ztkube operator` (the chart's Deployment), `ztkube
# agent` (the DaemonSet; it installs the static CNI shim /opt/ztkube/build/cni/ztkube onto the
# node), `ztkube daemon`; zerotier-cli and zerotier-idtool on PATH, the native addons, nsenter,
# cni/. The build context is the one `make image` stages (build/image/context: opt/ztkube
# holds the built tree, made by scripts/rootfs-recipe.mjs), so nothing here needs a network.
# BASE: without a registry `make image` passes a base it made itself (this host's node and
# its libraries, `docker import`ed); with one, the official Node image does:
#   docker build --build-arg BASE=node:20-bookworm-slim -t ztkube build/image/context
ARG BASE=node:20-bookworm-slim
FROM ${BASE}
COPY opt/ztkube /opt/ztkube
# Written out whole: an imported base has no PATH to extend.
ENV PATH=/opt/ztkube/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
WORKDIR /opt/ztkube
ENTRYPOINT ["/opt/ztkube/bin/ztkube"]
CMD ["--help"]
