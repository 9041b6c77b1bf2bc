# One recipe, two images: `--target api` and `--target worker` (docker-compose.yml picks them).
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

# What both processes share. Files stay root-owned: the process reads its code, never changes it.
FROM ${NODE_IMAGE} AS runtime
WORKDIR /app
COPY --from=dependencies /app/node_modules ./node_modules
COPY package.json ./
COPY shared ./shared
USER node

FROM runtime AS api
COPY api ./api
# The browser page the API serves at /.
COPY public ./public
# Inside a container the API must listen on every interface, not only loopback.
ENV HOST=0.0.0.0
EXPOSE 5000
CMD ["node", "api/main.ts"]

FROM runtime AS worker
COPY worker ./worker
CMD ["node", "worker/main.ts"]
