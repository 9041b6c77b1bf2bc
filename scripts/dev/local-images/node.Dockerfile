# Node 24 on the locally built Debian: the binary of the project's own `node` npm package,
# npm from the npm registry, and a `node` user (uid 1000) as in the official image.
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
COPY node /usr/local/bin/node
COPY npm.tgz /tmp/npm.tgz
# The machine's trust store: where a TLS-inspecting proxy stands between it and the registries.
COPY ca-certificates.crt /usr/local/share/machine-ca-certificates.crt
ENV NODE_EXTRA_CA_CERTS=/usr/local/share/machine-ca-certificates.crt
RUN mkdir -p /usr/local/lib/node_modules/npm \
 && tar -xzf /tmp/npm.tgz -C /usr/local/lib/node_modules/npm --strip-components=1 \
 && rm /tmp/npm.tgz \
 && ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && groupadd --gid 1000 node \
 && useradd --uid 1000 --gid node --create-home --shell /bin/sh node
CMD ["node"]
