# The AAR app image: the api server, the eval server and both Temporal workers run from it (the
# manifests in k8s/ and helm/ pick the entry point). Build from the repository root:
#   docker build -f deploy/app.Dockerfile -t aar-app .
# It holds no trainer, no task data and no label store: labels reach only the eval server's database.
FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY core core
COPY workflows workflows
COPY activities activities
COPY workers workers
COPY server server
COPY runtime runtime
COPY db db
COPY cli cli
COPY web web
COPY tsconfig.json ./
RUN useradd --uid 10001 --create-home aar
USER 10001
EXPOSE 18080 18081 19464 19466
CMD ["node", "--import", "tsx", "server/api/main.ts"]
