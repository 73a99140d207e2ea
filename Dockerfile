# JIM in a container: build stage compiles server and web client, runtime stage holds only the
# production install. Not built in CI (no image registry is reachable there): see README "Docker".
FROM node:20-bookworm-slim AS build
WORKDIR /src
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
COPY packages ./packages
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && node scripts/release.mjs --no-build --out /release

FROM node:20-bookworm-slim
COPY --from=build /release/jim-*.tgz /tmp/jim.tgz
# better-sqlite3 compiles when no prebuilt binary can be fetched: tools in, install, tools out
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ \
  && npm install -g --no-audit --no-fund /tmp/jim.tgz \
  && rm /tmp/jim.tgz && apt-get purge -y python3 make g++ && apt-get autoremove -y && rm -rf /var/lib/apt/lists/* /root/.npm
ENV JIM_HOST=0.0.0.0 JIM_PORT=8080 JIM_DATA_DIR=/data NODE_ENV=production
RUN mkdir /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --retries=3 CMD node -e "fetch('http://127.0.0.1:8080/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["jim", "serve"]
