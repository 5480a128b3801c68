# Postflow image: one image for every role; the command picks it (start, api, worker, migrate, sink…).
# Build: docker build -t postflow .      Run: see docker-compose.yml and deploy/kubernetes/ (docs/scale-out.md).

FROM node:20-slim AS build
WORKDIR /app
# better-sqlite3 compiles from source when no prebuilt binary matches the platform.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:20-slim
ENV NODE_ENV=production \
    POSTFLOW_HOST=0.0.0.0 \
    POSTFLOW_DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY web ./web
# The data dir holds the sent journal (and, without PostgreSQL, the SQLite file and capture outbox).
RUN mkdir -p /data && chown node:node /data
# The image's own unprivileged user (uid 1000), never root.
USER node
VOLUME ["/data"]
EXPOSE 8787
ENTRYPOINT ["node", "bin/postflow.js"]
CMD ["start"]
