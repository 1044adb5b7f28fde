# syntax=docker/dockerfile:1
# Build stage: full toolchain (better-sqlite3 compiles natively), then production deps only.
FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY src ./src
# The web console (built by Vite into dist/console) and the typed client it uses.
COPY console ./console
COPY clients ./clients
COPY migrations ./migrations
COPY scripts ./scripts
RUN npm run build && npm prune --omit=dev

# Runtime stage: no compilers, no dev dependencies, unprivileged user.
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PORT=8080 \
    DATABASE_URL=sqlite:/var/lib/secrets-broker/broker.sqlite
WORKDIR /app
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --chown=node:node package.json ./
RUN mkdir -p /var/lib/secrets-broker && chown node:node /var/lib/secrets-broker
USER node
EXPOSE 8080
# HTTPS when TLS_CERT_FILE is set, plain HTTP otherwise (src/cli/healthcheck.ts).
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "dist/src/cli/healthcheck.js"]
CMD ["node", "dist/src/main.js"]
