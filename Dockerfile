# ztkube engine image. Built locally (no registry): the node runtime plus the built tree.
# The DaemonSet and Docker-plugin issues extend it (TAP addon, CNI shim, entrypoints).
FROM node:20-bookworm-slim
WORKDIR /opt/ztkube
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY dist ./dist
COPY bin ./bin
ENTRYPOINT ["/opt/ztkube/bin/ztkube"]
