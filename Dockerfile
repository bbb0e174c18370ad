# syntax=docker/dockerfile:1
# The Insitu image: one image for every role (`insitu up`, `insitu proxy`, `insitu consume <name>`), chosen by
# the command. Built from the repository root: docker build -t insitu .   (deploy/README.md has the details)

# --- build: all dependencies, TypeScript compiled into dist/ ---
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: the `prepare` script compiles, and the sources are not copied yet (this layer stays cached
# until the lock file changes). The build step below compiles instead.
RUN npm ci --ignore-scripts
COPY tsconfig.json ./
COPY src ./src
COPY proxy ./proxy
COPY consumers ./consumers
RUN npm run build

# --- runtime: production dependencies and the compiled code only ---
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    NODE_OPTIONS=--enable-source-maps \
    INSITU_DATA_DIR=/data
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would run tsc, which is a devDependency and not installed here.
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY --from=build /app/dist/src ./dist/src
COPY --from=build /app/dist/proxy ./dist/proxy
COPY --from=build /app/dist/consumers ./dist/consumers
# The dashboard's static page and scripts (hand-written, not compiled): served from dist/proxy/dashboard/static.
COPY --from=build /app/proxy/dashboard/static ./dist/proxy/dashboard/static
# The spool, datasets and training files live under /data. Owned by the image's `node` user (uid 1000), so a
# fresh named volume or a Kubernetes fsGroup volume is writable without root.
RUN mkdir -p /data && chown 1000:1000 /data
# Numeric (the `node` user) so Kubernetes' runAsNonRoot can verify it.
USER 1000:1000
VOLUME ["/data"]
# INSITU_PORT's default (src/config.ts).
EXPOSE 8080
ENTRYPOINT ["node", "dist/src/cli/main.js"]
CMD ["up"]
