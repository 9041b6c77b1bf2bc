# One recipe, three images: `--target api`, `--target worker` and `--target provision`, the
# one-shot that creates the tables and queues (docker-compose.yml picks them).
# Node 24 runs the TypeScript sources as they are (type stripping): no build step, no tsc.
# Configuration comes only from the environment at run time; nothing secret is baked in.
ARG NODE_IMAGE=node:24-slim

# Production dependencies only, at the locked versions; none needs an install script.
# `npm install` rather than `npm ci`, as in .ci/run: lockfiles written by npm 11 where other
# platforms' optional packages are unavailable lack them, and `npm ci` refuses such a lockfile
# (npm/cli#9846). With the lockfile present, `npm install` installs the locked versions.
FROM ${NODE_IMAGE} AS dependencies
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --omit=dev --ignore-scripts --no-audit --no-fund

# What every process shares. Files stay root-owned: the process reads its code, never changes it.
FROM ${NODE_IMAGE} AS runtime
WORKDIR /app
COPY --from=dependencies /app/node_modules ./node_modules
COPY package.json ./
COPY shared ./shared
USER node

# `npm run provision` as an image: creates what is missing, changes nothing that exists, exits.
# Before api and worker so that a plain `docker build .` still builds the last stage, the worker.
FROM runtime AS provision
COPY scripts/provision.ts ./scripts/provision.ts
CMD ["node", "scripts/provision.ts"]

FROM runtime AS api
COPY api ./api
# The browser page the API serves at /.
COPY public ./public
# The AsyncAPI document the API serves at /docs/asyncapi.json (generated, committed).
COPY docs/asyncapi.json ./docs/asyncapi.json
# Inside a container the API must listen on every interface, not only loopback.
ENV HOST=0.0.0.0
EXPOSE 5000
CMD ["node", "api/main.ts"]

FROM runtime AS worker
COPY worker ./worker
CMD ["node", "worker/main.ts"]
