# Tollgate's reference server, built from this repository the way users install it from npm:
# each package is packed (pnpm pack) and the tarballs installed with plain npm, so the image holds
# production dependencies only. Build: docker build -t tollgate .
# Run: docker run -p 4000:4000 -v ./tollgate.config.yaml:/app/config/tollgate.config.yaml:ro tollgate
FROM node:20-alpine AS build
WORKDIR /src
# better-sqlite3 (the keys plugin's embedded store) builds from source on Alpine.
RUN apk add --no-cache python3 make g++ && npm install -g pnpm@10 --no-audit --no-fund
COPY . .
RUN pnpm install --frozen-lockfile && pnpm build
RUN mkdir /tarballs && for d in core state-redis adapters-openai adapters-mock adapters-anthropic adapters-gemini adapters-bedrock adapters-cohere adapters-ollama plugins-loadbalance plugins-cost plugins-keys plugins-cache plugins-guardrails plugins-metrics plugins-otel server; do \
      (cd packages/$d && pnpm pack --pack-destination /tarballs >/dev/null) || exit 1; \
    done
WORKDIR /app
RUN echo '{"name":"tollgate-image","private":true,"type":"module"}' > package.json \
 && npm install --omit=dev --no-audit --no-fund /tarballs/*.tgz \
 && npm cache clean --force

FROM node:20-alpine
ENV NODE_ENV=production PORT=4000 HOST=0.0.0.0
WORKDIR /app
COPY --from=build /app /app
COPY examples/quickstart/tollgate.config.yaml /app/config/tollgate.config.yaml
# The image's own user (uid 1000), never root.
USER node
EXPOSE 4000
HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||4000)+'/health/liveliness').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "/app/node_modules/@tollgate/server/dist/cli.js"]
CMD ["--config", "/app/config/tollgate.config.yaml"]
