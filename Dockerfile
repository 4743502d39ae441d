# syntax=docker/dockerfile:1
# The example coordinator as an image: a Maven build stage, then a JRE-only runtime as a non-root user.
#   docker build -t switchboard/example-coordinator .     (docker-compose.yml builds it for you)

FROM eclipse-temurin:17-jdk AS build
WORKDIR /src
COPY . .
# the Maven wrapper fetches Maven 3.9.11; the cache mount keeps ~/.m2 between builds
RUN --mount=type=cache,target=/root/.m2 \
    ./mvnw -B -q -pl examples -am package -DskipTests -Dmaven.javadoc.skip=true -Dmaven.source.skip=true \
 && cp examples/target/example-coordinator.jar /example-coordinator.jar

FROM eclipse-temurin:17-jre
RUN groupadd --system --gid 10001 switchboard \
 && useradd --system --uid 10001 --gid switchboard --home-dir /var/lib/switchboard --shell /usr/sbin/nologin switchboard \
 && mkdir -p /var/lib/switchboard /opt/switchboard \
 && chown switchboard:switchboard /var/lib/switchboard
COPY --from=build /example-coordinator.jar /opt/switchboard/example-coordinator.jar
USER 10001:10001
WORKDIR /var/lib/switchboard
# the heap: at most 75% of the container's memory limit, and given back when idle (docs/operating.md,
# "A large or hostile fleet": without the periodic collection G1 kept gigabytes committed after a busy spell)
ENV PORT=8002 \
    POOL_CONFIG_PATH=/var/lib/switchboard/decoder_pool.json \
    JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75 -XX:G1PeriodicGCInterval=60000 -XX:MinHeapFreeRatio=20 -XX:MaxHeapFreeRatio=40"
EXPOSE 8002
VOLUME ["/var/lib/switchboard"]
# GET /health over bash's /dev/tcp (the JRE image has no curl): healthy on a 200 status line
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${PORT:-8002} && printf 'GET /health HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
ENTRYPOINT ["java", "-jar", "/opt/switchboard/example-coordinator.jar"]
