# fauxqs as its official image runs it (`fauxqs` on port 4566, /health), from the npm package
# at the version of the project's lockfile; wget for the compose healthcheck.
ARG NODE_IMAGE
FROM ${NODE_IMAGE}
ARG FAUXQS_VERSION
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wget \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/fauxqs
RUN npm install --omit=dev --no-audit --no-fund "fauxqs@${FAUXQS_VERSION}"
USER node
EXPOSE 4566
CMD ["node", "/opt/fauxqs/node_modules/fauxqs/dist/cli.js"]
