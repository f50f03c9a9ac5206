# One image for the prober (serve, sweep) and its probe pods (probe).
#   docker build --build-arg VERSION=0.1.0 -t ghcr.io/imds-prober/imds-prober:0.1.0 .
# VERSION is what --version and imds_prober_build_info say (a release has no -SNAPSHOT).
# Stage 1 builds the shaded jar with the Maven wrapper; stage 2 is a Temurin JRE with the jar,
# the JVM option files, a CDS archive for fast probe start-up, and a numeric non-root user.

FROM eclipse-temurin:17-jdk AS build
ARG VERSION=0.1.0-SNAPSHOT
WORKDIR /src
# dependencies first, so a source change does not download them again
COPY mvnw pom.xml ./
COPY .mvn .mvn
COPY prober/pom.xml prober/pom.xml
RUN ./mvnw -B -ntp -q -pl prober -Drevision=${VERSION} dependency:go-offline
COPY prober/src prober/src
RUN ./mvnw -B -ntp -q -Drevision=${VERSION} -DskipTests package

FROM eclipse-temurin:17-jre
LABEL org.opencontainers.image.title="IMDS Prober" \
      org.opencontainers.image.description="Proves from inside the cluster that pods cannot reach the cloud instance metadata service" \
      org.opencontainers.image.source="https://github.com/imds-prober/imds-prober" \
      org.opencontainers.image.licenses="Apache-2.0"
WORKDIR /opt/imds-prober
COPY --from=build /src/prober/target/imds-prober.jar imds-prober.jar
COPY jvm/probe.options jvm/serve.options ./
# CDS archive of the probe agent's classes, from a training run that touches loopback only
# (nothing listens there: every check is refused at once). probe.options then names the archive;
# probe pods run "java @/opt/imds-prober/probe.options -jar /opt/imds-prober/imds-prober.jar probe"
# (the probe.command key). The training run names the jar by that same absolute path: an archive
# made with a relative one does not match in a pod, and the JVM says so (on stderr: probe.options
# sends every JVM warning there, so the agent's stdout carries only its JSON).
RUN java @probe.options -Xlog:cds=off -Xlog:cds+dynamic=off \
        -XX:ArchiveClassesAtExit=/opt/imds-prober/probe.jsa \
        -jar /opt/imds-prober/imds-prober.jar probe --metadata 127.0.0.1:9 --dns-server 127.0.0.1:9 \
        --egress-url https://127.0.0.1:9/ --connect-timeout 1s --settle 0s --result-file - \
        > /dev/null \
 && echo "-XX:SharedArchiveFile=/opt/imds-prober/probe.jsa" >> probe.options \
 && cd / && java @/opt/imds-prober/probe.options \
        -jar /opt/imds-prober/imds-prober.jar --version
# the UID the manifests and the probe pods run as (runAsUser 65532)
USER 65532:65532
ENTRYPOINT ["java", "@/opt/imds-prober/serve.options", "-jar", "/opt/imds-prober/imds-prober.jar"]
CMD ["--help"]
