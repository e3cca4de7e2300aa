# syntax=docker/dockerfile:1
#
# One image for every production process of the stack: the worker (default), the HTTP gateway and
# the codec endpoint; the HotDocs Advance emulator of the sandbox profile is its own target
# (`--target emulator`) and never part of the production image. Debian-based on purpose: the Temporal SDK's native module
# (@temporalio/core-bridge) is built for glibc and does not load on Alpine (musl).
#
#   docker build -t hotdocs-advance-temporal .
#   docker run hotdocs-advance-temporal                                   # worker
#   docker run hotdocs-advance-temporal bin/hotdocs-temporal.js gateway   # gateway
#   docker run hotdocs-advance-temporal bin/hotdocs-temporal.js codec-server
#   docker build --target emulator -t hotdocs-advance-emulator .
#   docker run hotdocs-advance-emulator --host 0.0.0.0
#
# Node version: see docs/deploy.md ("Versions") before changing it.
ARG NODE_IMAGE=node:22.23.3-bookworm-slim

# ---- production dependencies only --------------------------------------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# ---- compile and prebuild the workflow bundle ----------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY tools/bundle-workflows.ts ./tools/bundle-workflows.ts
COPY tools/workflow-bundle.ts ./tools/workflow-bundle.ts
# tsc -p tsconfig.build.json, then dist/workflow-bundle{,.encrypted}.js (production workers load a prebuilt
# bundle instead of bundling the workflow sources at start-up). `build:dist`, not `build`: the published
# contract files (schemas/, openapi/) are written from a checkout and never needed in the image.
RUN npm run build:dist && test -s dist/workflow-bundle.js && test -s dist/workflow-bundle.encrypted.js

# ---- the HotDocs Advance emulator (sandbox profile; a development tool, run from its sources) ----
FROM build AS emulator
COPY tools/emulator ./tools/emulator
USER node
ENTRYPOINT ["node", "--require", "tsx/cjs", "tools/emulator/main.ts"]

# ---- runtime --------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    DOCUMENT_STORE_DIR=/data/documents
WORKDIR /app
# Owned by root and read-only to the process: the app never writes its own code.
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
# The document store; a named volume mounted here takes over this ownership on first use.
RUN mkdir -p /data/documents && chown node:node /data/documents
# The unprivileged user of the official Node images (uid 1000).
USER node
# No src/ and no tsx here, so bin/hotdocs-temporal.js runs the compiled dist/cli/main.js.
ENTRYPOINT ["node"]
CMD ["dist/worker.js"]
